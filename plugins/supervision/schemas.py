"""marshmallow schemas of the 村务监督 API: what it accepts and what it returns."""

from __future__ import annotations

import marshmallow
from marshmallow import fields, validate

from plugins.supervision.models.attachments import ATTACHMENT_OWNERS
from plugins.supervision.models.constants import (
    DISCLOSURE_CATEGORIES,
    MATTER_CATEGORIES,
    MEETING_STEPS,
    VOUCHER_KINDS,
)

MONEY = {"as_string": True, "places": 2}


class StrictSchema(marshmallow.Schema):
    """Input schema: unknown keys are errors, so a misspelled field is never silently dropped."""

    class Meta:
        unknown = marshmallow.RAISE


class TransitionSchema(StrictSchema):
    """A workflow transition to apply."""

    name = fields.String(required=True, metadata={"description": "操作名称，如 submit、audit"})
    reason = fields.String(load_default=None, validate=validate.Length(max=200))


class AccountSchema(marshmallow.Schema):
    """A fund account with its maintained balance."""

    id = fields.Integer()
    locality_code = fields.String()
    code = fields.String()
    name = fields.String()
    opening_balance = fields.Decimal(**MONEY)
    opened_on = fields.Date()
    balance = fields.Decimal(**MONEY)
    last_seq = fields.Integer()


class StatementQuerySchema(StrictSchema):
    """Which periods a statement covers."""

    first = fields.String(
        required=True, data_key="from", validate=validate.Regexp(r"^\d{4}-\d{2}$")
    )
    last = fields.String(required=True, data_key="to", validate=validate.Regexp(r"^\d{4}-\d{2}$"))


class StatementSchema(marshmallow.Schema):
    """An account's figures for a range of periods."""

    first = fields.String(data_key="from")
    last = fields.String(data_key="to")
    opening = fields.Decimal(**MONEY)
    receipts = fields.Decimal(**MONEY)
    payments = fields.Decimal(**MONEY)
    closing = fields.Decimal(**MONEY)
    vouchers = fields.Integer()


class LineSchema(StrictSchema):
    """One voucher line."""

    subject = fields.String(required=True, validate=validate.Length(min=1, max=50))
    summary = fields.String(load_default=None, validate=validate.Length(max=200))
    amount = fields.Decimal(required=True, **MONEY)
    position = fields.Integer(dump_only=True)


class VoucherWriteSchema(StrictSchema):
    """A new voucher (a draft)."""

    account_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(VOUCHER_KINDS)))
    voucher_date = fields.Date(required=True)
    summary = fields.String(required=True, validate=validate.Length(min=1, max=200))
    matter_id = fields.Integer(load_default=None)
    lines = fields.List(fields.Nested(LineSchema), required=True)


class VoucherPatchSchema(StrictSchema):
    """Changes to a draft voucher."""

    voucher_date = fields.Date()
    summary = fields.String(validate=validate.Length(min=1, max=200))
    matter_id = fields.Integer(allow_none=True)
    lines = fields.List(fields.Nested(LineSchema))


class VoucherQuerySchema(StrictSchema):
    """Filters of the voucher list."""

    state = fields.String(
        validate=validate.OneOf(["draft", "submitted", "audited", "booked", "disclosed"])
    )
    locality_code = fields.String()
    period = fields.String(validate=validate.Regexp(r"^\d{4}-\d{2}$"))
    account_id = fields.Integer()


class VoucherSchema(marshmallow.Schema):
    """A voucher as the API shows it."""

    id = fields.Integer()
    locality_code = fields.String()
    account_id = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    voucher_date = fields.Date()
    summary = fields.String()
    amount = fields.Decimal(**MONEY)
    state = fields.String()
    seq = fields.Integer(allow_none=True)
    period = fields.String(allow_none=True)
    matter_id = fields.Integer(allow_none=True)
    reverses_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    audit_opinion = fields.String(allow_none=True)
    made_by = fields.String(allow_none=True)
    audited_by = fields.String(allow_none=True)
    booked_by = fields.String(allow_none=True)
    booked_at = fields.DateTime(allow_none=True)
    disclosure_id = fields.Integer(allow_none=True)
    lines = fields.List(fields.Nested(LineSchema))
    allowed = fields.List(fields.String(), metadata={"description": "当前账号此刻可执行的操作"})


class VoucherSummarySchema(VoucherSchema):
    """A voucher in a list (without what the caller may do with it)."""

    class Meta:
        exclude = ("allowed",)


class ReversalSchema(StrictSchema):
    """Why a booked voucher is reversed."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class AttachmentSchema(marshmallow.Schema):
    """An uploaded attachment (without its content)."""

    id = fields.Integer()
    owner_kind = fields.String(validate=validate.OneOf(list(ATTACHMENT_OWNERS)))
    owner_id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()


class UploadSchema(marshmallow.Schema):
    """A multipart upload with one file."""

    class Meta:
        unknown = marshmallow.EXCLUDE

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class MatterWriteSchema(StrictSchema):
    """A new major matter."""

    locality_code = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    category = fields.String(required=True, validate=validate.OneOf(list(MATTER_CATEGORIES)))
    amount = fields.Decimal(load_default=None, allow_none=True, **MONEY)
    description = fields.String(load_default=None, validate=validate.Length(max=20000))


class MatterPatchSchema(StrictSchema):
    """What may still be written on a matter: its description, and its implementation result."""

    description = fields.String(validate=validate.Length(max=20000))
    result = fields.String(validate=validate.Length(max=20000))


class MatterQuerySchema(StrictSchema):
    """Filters of the matter list."""

    state = fields.String()
    locality_code = fields.String()


class MeetingWriteSchema(StrictSchema):
    """The meeting of a matter's next deliberation."""

    step = fields.String(required=True, validate=validate.OneOf(list(MEETING_STEPS)))
    held_on = fields.Date(required=True)
    place = fields.String(load_default=None, validate=validate.Length(max=100))
    expected = fields.Integer(required=True, validate=validate.Range(min=1, max=100000))
    present = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))
    votes_for = fields.Integer(required=True, validate=validate.Range(min=0, max=100000))
    votes_against = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100000))
    abstentions = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100000))
    minutes = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    resolution = fields.String(load_default=None, validate=validate.Length(max=20000))


class MeetingSchema(marshmallow.Schema):
    """A recorded meeting."""

    id = fields.Integer()
    round = fields.Integer()
    step = fields.String()
    step_label = fields.String()
    held_on = fields.Date()
    place = fields.String(allow_none=True)
    expected = fields.Integer()
    present = fields.Integer()
    votes_for = fields.Integer()
    votes_against = fields.Integer()
    abstentions = fields.Integer()
    minutes = fields.String()
    passed = fields.Boolean()


class MatterSchema(marshmallow.Schema):
    """A major matter with its meetings."""

    id = fields.Integer()
    locality_code = fields.String()
    title = fields.String()
    category = fields.String()
    category_label = fields.String()
    amount = fields.Decimal(allow_none=True, **MONEY)
    description = fields.String(allow_none=True)
    state = fields.String()
    state_label = fields.String()
    round = fields.Integer()
    next_step = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    result = fields.String(allow_none=True)
    returned_reason = fields.String(allow_none=True)
    meetings = fields.List(fields.Nested(MeetingSchema))
    allowed = fields.List(fields.String())


class MatterSummarySchema(MatterSchema):
    """A matter in a list (without its meetings)."""

    class Meta:
        exclude = ("allowed", "meetings")


class DisclosureWriteSchema(StrictSchema):
    """A new disclosure."""

    locality_code = fields.String(required=True)
    category = fields.String(required=True, validate=validate.OneOf(list(DISCLOSURE_CATEGORIES)))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content = fields.String(required=True, validate=validate.Length(min=1, max=100000))
    period = fields.String(
        load_default=None, metadata={"description": "2026-03（月）、2026Q1（季度）或 2026（年度）"}
    )
    online = fields.Boolean(load_default=True)
    board = fields.Boolean(load_default=True)


class AmendmentSchema(StrictSchema):
    """A correction of a disclosure."""

    content = fields.String(required=True, validate=validate.Length(min=1, max=100000))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title = fields.String(load_default=None, validate=validate.Length(max=200))


class FinancialRequestSchema(StrictSchema):
    """Which village and period to generate a financial disclosure for."""

    locality_code = fields.String(required=True)
    period = fields.String(required=True)


class DisclosureQuerySchema(StrictSchema):
    """Filters of the disclosure list."""

    locality_code = fields.String()
    category = fields.String(validate=validate.OneOf(list(DISCLOSURE_CATEGORIES)))
    current = fields.Boolean(load_default=False, metadata={"description": "只列未被更正的版本"})


class DisclosureSchema(marshmallow.Schema):
    """A disclosure."""

    id = fields.Integer()
    locality_code = fields.String()
    category = fields.String()
    category_label = fields.String()
    title = fields.String()
    content = fields.String()
    period_label = fields.String(allow_none=True)
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    online = fields.Boolean()
    board = fields.Boolean()
    source = fields.String()
    figures = fields.Dict(allow_none=True)
    matter_id = fields.Integer(allow_none=True)
    amends_id = fields.Integer(allow_none=True)
    amendment_reason = fields.String(allow_none=True)
    amended_by_id = fields.Function(lambda d: d.amended_by.id if d.amended_by else None)
    published_by = fields.String(allow_none=True)
    published_at = fields.DateTime()


class CalendarQuerySchema(StrictSchema):
    """Filters of the disclosure calendar."""

    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    locality_code = fields.String()
    overdue = fields.Boolean(load_default=False)


class CalendarEntrySchema(marshmallow.Schema):
    """A calendar entry and its status today."""

    id = fields.Integer()
    locality_code = fields.String()
    category = fields.String()
    period_label = fields.String()
    due_on = fields.Date()
    fulfilled_on = fields.Date(allow_none=True)
    disclosure_id = fields.Integer(allow_none=True)
    status = fields.String()


class CampaignSchema(marshmallow.Schema):
    """A rating campaign; ``scope_code`` is the area it covers (a town or the county), so a
    village sees the campaigns of the levels above it."""

    id = fields.Integer()
    scope_code = fields.String(attribute="locality_code")
    title = fields.String()
    period_label = fields.String()
    opens_on = fields.Date()
    closes_on = fields.Date()
    state = fields.String()


class CadreResultSchema(marshmallow.Schema):
    """A cadre's standing in a campaign."""

    id = fields.Integer()
    locality_code = fields.String()
    name = fields.Function(lambda c: c.person.name)
    post = fields.String()
    ratings = fields.Integer()
    diligence_average = fields.Decimal(allow_none=True, **MONEY)
    integrity_average = fields.Decimal(allow_none=True, **MONEY)
    index_value = fields.Decimal(allow_none=True, **MONEY)


class CampaignDetailSchema(CampaignSchema):
    """A campaign with its cadres and their standings."""

    cadres = fields.List(fields.Nested(CadreResultSchema))


class ScoreSchema(StrictSchema):
    """One household's scores for one cadre."""

    cadre_id = fields.Integer(required=True)
    diligence = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    integrity = fields.Integer(required=True, validate=validate.Range(min=1, max=5))


class BallotSchema(StrictSchema):
    """A household's ballot: its scores for its village's cadres."""

    household_id = fields.Integer(required=True)
    person_id = fields.Integer(load_default=None)
    scores = fields.List(fields.Nested(ScoreSchema), required=True)


class BallotResultSchema(marshmallow.Schema):
    """What a ballot recorded."""

    recorded = fields.Integer()


class BoardEntrySchema(marshmallow.Schema):
    """One entry of a village's public board (ours or another plugin's notice)."""

    category = fields.String()
    title = fields.String()
    published_at = fields.DateTime()
    body = fields.String()
    amended = fields.Boolean()
    amendment_reason = fields.String(allow_none=True)
