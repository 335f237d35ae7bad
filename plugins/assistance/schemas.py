"""marshmallow schemas of the assistance API. Identity numbers come in, and go out only masked."""

from __future__ import annotations

from typing import Any

import marshmallow
from marshmallow import fields, validate

from plugins.assistance.programmes import (
    CARE_CAUSES,
    CARE_LEVELS,
    CATEGORIES,
    CONSENT_RELATIONS,
    DATA_CHECKS,
    PROGRAMMES,
    TEMPORARY_KINDS,
    check_label,
)
from plugins.assistance.workflow import APPLICATION_WORKFLOW, TASK_WORKFLOW


class _Strict(marshmallow.Schema):
    class Meta:
        unknown = marshmallow.RAISE


def _one_of(choices: Any) -> validate.OneOf:
    listed = list(choices)
    return validate.OneOf(listed, error="必须是以下之一：" + "、".join(listed))


class AssistanceIntakeSchema(_Strict):
    """一证一书: an application by the applicant's identity number."""

    id_number = fields.String(required=True, validate=validate.Length(min=1, max=30))
    programme = fields.String(required=True, validate=_one_of(PROGRAMMES))
    channel = fields.String(load_default="online", validate=_one_of(["window", "online"]))
    category = fields.String(load_default=None, allow_none=True, validate=_one_of(CATEGORIES))
    care_level = fields.String(load_default=None, allow_none=True, validate=_one_of(CARE_LEVELS))
    temporary_kind = fields.String(
        load_default=None, allow_none=True, validate=_one_of(TEMPORARY_KINDS)
    )
    cause = fields.String(load_default=None, allow_none=True, validate=_one_of(CARE_CAUSES))
    claimed_amount = fields.Decimal(load_default=None, allow_none=True, places=2, as_string=True)
    statement = fields.String(load_default="", validate=validate.Length(max=2000))
    payee_bank = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    payee_account = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=40)
    )


class AssistanceStatusQuerySchema(_Strict):
    """A status lookup by identity number (in the body, never in the URL)."""

    id_number = fields.String(required=True, validate=validate.Length(min=1, max=30))


class AssistanceApplicationQuerySchema(_Strict):
    """Filters for listing applications."""

    state = fields.String(validate=_one_of(APPLICATION_WORKFLOW.states))
    programme = fields.String(validate=_one_of(PROGRAMMES))


class AssistanceTransitionSchema(_Strict):
    """A workflow step: its name and, where needed, the reason."""

    transition = fields.String(required=True, validate=validate.Length(min=1, max=30))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class AssistanceConsentSchema(_Strict):
    """The signed authorisation, its scanned copy base64-encoded."""

    signer_name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    signer_relation = fields.String(load_default="本人", validate=_one_of(CONSENT_RELATIONS))
    signed_on = fields.Date(required=True)
    scope = fields.List(fields.String(validate=_one_of(DATA_CHECKS)), required=True)
    file_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    file_base64 = fields.String(required=True)


class AssistanceObjectionSchema(_Strict):
    """An objection received during the notice."""

    content = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    received_on = fields.Date(load_default=None, allow_none=True)
    objector = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    contact = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))


class AssistanceTaskQuerySchema(_Strict):
    """Filters for verification tasks."""

    state = fields.String(validate=_one_of(TASK_WORKFLOW.states))
    check = fields.String(validate=_one_of([*DATA_CHECKS, "objection"]))
    department = fields.String(validate=validate.Length(max=100))


class AssistanceTaskResultSchema(_Strict):
    """A department's answer for a task."""

    amount = fields.Decimal(load_default=None, allow_none=True, places=2, as_string=True)
    evidence = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    verdict = fields.String(
        load_default=None, allow_none=True, validate=_one_of(["异议成立", "异议不成立"])
    )


class AssistanceCoverageQuerySchema(_Strict):
    """The months of a coverage report."""

    period_from = fields.String(
        data_key="from", validate=validate.Regexp(r"^\d{4}-\d{2}$", error="格式应为 YYYY-MM")
    )
    period_to = fields.String(
        data_key="to", validate=validate.Regexp(r"^\d{4}-\d{2}$", error="格式应为 YYYY-MM")
    )


class AssistanceTaskSchema(marshmallow.Schema):
    """A verification task as the API shows it."""

    id = fields.Integer()
    application_id = fields.Integer()
    check = fields.String()
    check_label = fields.Function(lambda t: check_label(t.check))
    department = fields.String()
    due_on = fields.Date()
    state = fields.String()
    state_label = fields.Function(lambda t: TASK_WORKFLOW.states[t.state])
    amount = fields.Decimal(as_string=True, allow_none=True)
    verdict = fields.String(allow_none=True)
    evidence = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    locality_code = fields.String()


class AssistanceApplicationSchema(marshmallow.Schema):
    """An application's status, without full identity numbers."""

    id = fields.Integer()
    programme = fields.String()
    programme_title = fields.String()
    applicant_name = fields.Function(lambda a: a.applicant.name)
    applicant_id_number = fields.Function(lambda a: a.applicant.masked_id_number)
    household_id = fields.Integer(allow_none=True)
    locality_code = fields.String()
    channel = fields.String()
    state = fields.String()
    state_label = fields.Function(lambda a: APPLICATION_WORKFLOW.states[a.state])
    eligible = fields.Boolean(allow_none=True)
    amount = fields.Decimal(as_string=True, allow_none=True)
    submitted_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class AssistanceApplicationDetailSchema(AssistanceApplicationSchema):
    """An application with its members, tasks, the working of its assessment and its notice."""

    members = fields.Function(lambda a: [m.person.name for m in a.members])
    consents = fields.Function(
        lambda a: [
            {
                "id": c.id,
                "signer_name": c.signer_name,
                "signed_on": c.signed_on.isoformat(),
                "scope": c.scope,
            }
            for c in a.consents
        ]
    )
    tasks = fields.List(fields.Nested(AssistanceTaskSchema))
    assessment = fields.Function(
        lambda a: a.latest_assessment.breakdown.splitlines() if a.latest_assessment else []
    )
    notice = fields.Function(
        lambda a: (
            {"starts_on": n.starts_on.isoformat(), "ends_on": n.ends_on.isoformat()}
            if (n := a.open_notice) is not None
            else None
        )
    )
    allowed_transitions = fields.Function(
        lambda a: getattr(a, "allowed_transitions", []),
        metadata={"description": "调用者现在可以执行的流程操作"},
    )


class AssistanceCoverageFiguresSchema(marshmallow.Schema):
    """One programme's figures."""

    programme = fields.String()
    title = fields.String()
    households = fields.Integer()
    persons = fields.Integer()
    amount = fields.Decimal(as_string=True)


class AssistanceCoverageSchema(marshmallow.Schema):
    """The coverage report of the caller's scope."""

    scope_code = fields.String()
    period_from = fields.String()
    period_to = fields.String()
    enrolled = fields.List(fields.Nested(AssistanceCoverageFiguresSchema))
    by_period = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Nested(AssistanceCoverageFiguresSchema))
    )
