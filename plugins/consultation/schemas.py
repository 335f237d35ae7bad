"""marshmallow schemas of the consultation API: what comes in (validated, Chinese errors) and
what goes out (no identity numbers, no phone numbers)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.db import utcnow
from core.localities import LocalityCodeError, validate_code
from plugins.consultation.catalogue import item_label
from plugins.consultation.models import (
    LEVELS,
    ROLES,
    SOURCES,
    VERDICTS,
    ConsultationDeliberation,
    ConsultationMatter,
    ConsultationWish,
)
from plugins.consultation.settings import TRIAGE_CLASSES
from plugins.consultation.workflow import OPEN_STATES

NO_NUL = validate.Regexp(r"^[^\x00]*$", error="不能包含空字符")


def _code(value: str) -> None:
    try:
        validate_code(value)
    except LocalityCodeError as exc:
        raise ValidationError(str(exc)) from exc


def _settings() -> dict[str, Any]:
    return current_app.extensions["gongzhi"].plugins.settings("consultation")


class ConsultationMatterCreateSchema(Schema):
    """A new matter."""

    locality_code = fields.String(
        required=True, validate=_code, metadata={"description": "村（社区）或村民小组代码"}
    )
    item_code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "协商事项清单的事项编码，如 B02"},
    )
    title = fields.String(required=True, validate=[validate.Length(min=1, max=100), NO_NUL])
    description = fields.String(required=True, validate=[validate.Length(min=1, max=5000), NO_NUL])
    source = fields.String(
        load_default="resident",
        validate=validate.OneOf(list(SOURCES)),
        metadata={"description": "来源：resident、grid_member、committee、hotline"},
    )
    reporter_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "反映人（居民 id）"}
    )
    is_public = fields.Boolean(
        load_default=None, allow_none=True, metadata={"description": "是否在门户公开"}
    )


class ConsultationMatterQuerySchema(Schema):
    """Filters for listing matters."""

    state = fields.String(validate=validate.OneOf(list(ConsultationMatter.__workflow__.states)))
    triage = fields.String(validate=validate.OneOf(list(TRIAGE_CLASSES)))
    locality_code = fields.String(validate=_code)
    overdue = fields.Boolean(metadata={"description": "只列出逾期事项"})


class ConsultationMatterSchema(Schema):
    """A matter and its status."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    source = fields.String(required=True)
    locality_code = fields.String(required=True)
    category_code = fields.String(required=True)
    item_code = fields.String(required=True)
    item = fields.Method("_item", required=True)
    default_triage = fields.String(required=True)
    triage = fields.String(allow_none=True)
    state = fields.String(required=True)
    state_label = fields.Function(
        lambda m: ConsultationMatter.__workflow__.states[m.state], required=True
    )
    handling_level = fields.String(required=True)
    due_at = fields.DateTime(allow_none=True)
    overdue = fields.Function(
        lambda m: bool(m.state in OPEN_STATES and m.due_at and m.due_at < utcnow()),
        required=True,
    )
    escalation_count = fields.Integer(required=True)
    evaluation_round = fields.Integer(required=True)
    reporter_id = fields.Integer(allow_none=True)
    is_public = fields.Boolean(required=True)
    resolution = fields.String(allow_none=True)
    guidance = fields.String(allow_none=True)
    submitted_at = fields.DateTime(required=True)
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)

    def _item(self, matter: ConsultationMatter) -> str:
        return item_label(_settings(), matter.locality_code, matter.item_code)


class ConsultationAssignmentSchema(Schema):
    """One party of 四办."""

    role = fields.String(required=True)
    role_label = fields.Function(lambda a: ROLES[a.role], required=True)
    organization_id = fields.Integer(required=True)
    organization = fields.Function(lambda a: a.organization.name, required=True)
    level = fields.String(required=True)


class ConsultationTallySchema(Schema):
    """The current round's ratings."""

    satisfied = fields.Integer(required=True)
    partly = fields.Integer(required=True)
    not_satisfied = fields.Integer(required=True)


class ConsultationMatterDetailSchema(ConsultationMatterSchema):
    """A matter with its 四办, escalations, ratings of the current round and what may be done."""

    assignments = fields.List(fields.Nested(ConsultationAssignmentSchema), required=True)
    escalations = fields.List(fields.Dict(), required=True)
    ratings = fields.Nested(ConsultationTallySchema, required=True)
    transitions = fields.List(fields.String(), required=True)


class ConsultationTransitionSchema(Schema):
    """A workflow step with its reason when it needs one."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=30))
    reason = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=200), NO_NUL]
    )


class ConsultationTriageSchema(Schema):
    """三事分流, or a later change of it."""

    triage = fields.String(required=True, validate=validate.OneOf(list(TRIAGE_CLASSES)))
    reason = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=200), NO_NUL]
    )
    lead_organization_id = fields.Integer(load_default=None, allow_none=True)
    guidance = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=2000), NO_NUL]
    )


class ConsultationResolutionSchema(Schema):
    """办结: the result."""

    resolution = fields.String(required=True, validate=[validate.Length(min=1, max=5000), NO_NUL])


class ConsultationAssignSchema(Schema):
    """四办: add a deliberating, assisting or supervising organisation."""

    role = fields.String(
        required=True, validate=validate.OneOf(["deliberate", "assist", "supervise"])
    )
    organization_id = fields.Integer(required=True)
    note = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=200), NO_NUL]
    )


class ConsultationRatingCreateSchema(Schema):
    """A resident's rating of a resolved matter."""

    person_id = fields.Integer(required=True)
    verdict = fields.String(
        required=True,
        validate=validate.OneOf(list(VERDICTS)),
        metadata={"description": "satisfied（满意）、partly（基本满意）、not_satisfied（不满意）"},
    )
    comment = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=500), NO_NUL]
    )


class ConsultationRatingSchema(Schema):
    """A stored rating."""

    id = fields.Integer(required=True)
    matter_id = fields.Integer(required=True)
    round = fields.Integer(required=True)
    person_id = fields.Integer(required=True)
    verdict = fields.String(required=True)
    comment = fields.String(allow_none=True)
    rated_at = fields.DateTime(required=True)


class ConsultationAttachmentSchema(Schema):
    """An attachment's description (the file itself is downloaded separately)."""

    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_at = fields.DateTime(required=True)


class ConsultationUploadSchema(Schema):
    """A multipart upload with one file."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ConsultationWishCreateSchema(Schema):
    """A new micro-wish."""

    wisher_id = fields.Integer(required=True, metadata={"description": "心愿人（居民 id）"})
    title = fields.String(required=True, validate=[validate.Length(min=1, max=100), NO_NUL])
    description = fields.String(required=True, validate=[validate.Length(min=1, max=2000), NO_NUL])


class ConsultationWishQuerySchema(Schema):
    """Filters for listing wishes."""

    state = fields.String(validate=validate.OneOf(list(ConsultationWish.__workflow__.states)))
    locality_code = fields.String(validate=_code)


class ConsultationWishSchema(Schema):
    """A wish and its status."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    locality_code = fields.String(required=True)
    wisher_id = fields.Integer(required=True)
    state = fields.String(required=True)
    state_label = fields.Function(
        lambda w: ConsultationWish.__workflow__.states[w.state], required=True
    )
    claimer_person_id = fields.Integer(allow_none=True)
    claimer_organization_id = fields.Integer(allow_none=True)
    fulfilment_note = fields.String(allow_none=True)
    posted_at = fields.DateTime(required=True)
    claimed_at = fields.DateTime(allow_none=True)
    fulfilled_at = fields.DateTime(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)


class ConsultationClaimSchema(Schema):
    """Who claims a wish: a resident or an organisation."""

    person_id = fields.Integer(load_default=None, allow_none=True)
    organization_id = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def _one(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (data.get("person_id") is None) == (data.get("organization_id") is None):
            raise ValidationError("请填写 person_id 或 organization_id（二者选一）", "person_id")


class ConsultationWishTransitionSchema(ConsultationTransitionSchema):
    """A wish's workflow step; ``note`` describes the fulfilment."""

    note = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=500), NO_NUL]
    )


class ConsultationFiguresQuerySchema(Schema):
    """Which locality and period to count."""

    scope = fields.String(
        validate=_code, metadata={"description": "区划代码（默认：调用者的管辖范围）"}
    )
    start = fields.Date(metadata={"description": "开始日期（默认：今年 1 月 1 日）"})
    end = fields.Date(metadata={"description": "结束日期，含（默认：今天）"})


class ConsultationFiguresSchema(Schema):
    """The figures of a locality over a period."""

    scope_code = fields.String(required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    submitted = fields.Integer(required=True)
    by_triage = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_level = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    resolved = fields.Integer(required=True)
    guided = fields.Integer(required=True)
    minor_within_village_rate = fields.Float(allow_none=True)
    major_within_town_rate = fields.Float(allow_none=True)
    average_resolve_days = fields.Float(allow_none=True)
    ratings = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    satisfaction_rate = fields.Float(allow_none=True)
    overdue_now = fields.Integer(required=True)


class ConsultationCatalogueItemSchema(Schema):
    """One item of the catalogue."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    triage = fields.String(required=True)
    triage_label = fields.String(required=True)


class ConsultationCatalogueCategorySchema(Schema):
    """One category with its items."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    items = fields.List(fields.Nested(ConsultationCatalogueItemSchema), required=True)


class ConsultationDeliberationSchema(Schema):
    """A deliberation meeting."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    form = fields.String(required=True)
    held_at = fields.DateTime(required=True)
    place = fields.String(required=True)
    locality_code = fields.String(required=True)
    state = fields.String(required=True)
    state_label = fields.Function(
        lambda d: ConsultationDeliberation.__workflow__.states[d.state], required=True
    )


LEVEL_CHOICES = list(LEVELS)
