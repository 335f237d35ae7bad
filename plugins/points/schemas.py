"""marshmallow schemas of the points API (requests are validated; messages are in Chinese)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from plugins.points.settings import SCHEMES

MAX_ID = 2**31 - 1
ID = validate.Range(min=1, max=MAX_ID, error="编号必须是 1 到 2147483647 之间的整数")
NO_NUL = validate.Regexp(r"^[^\x00]*$", error="不能包含空字符")
CODE = validate.Regexp(
    r"^\d{12}(\d{3})?$", error="行政区划代码必须是 12 位数字（村民小组为 15 位）"
)


class PointsAccountSchema(Schema):
    """A points account with its maintained balance."""

    id = fields.Integer()
    scheme = fields.String(
        metadata={"description": "resident 村民积分 / pioneer 先锋指数 / bastion 堡垒指数"}
    )
    kind = fields.String(
        metadata={"description": "issuing 发放 / holder 持有人 / redeemed / expired"}
    )
    holder_name = fields.String()
    person_id = fields.Integer(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    organization_id = fields.Integer(allow_none=True)
    locality_code = fields.String()
    balance = fields.Integer(metadata={"description": "可用余额"})
    earned = fields.Integer(metadata={"description": "累计获得（加分−扣分−冲正）"})
    floor = fields.Integer(allow_none=True, metadata={"description": "余额下限"})


class PointsAccountQuerySchema(Schema):
    """Filters for listing accounts."""

    scheme = fields.String(validate=validate.OneOf(list(SCHEMES)))
    kind = fields.String(validate=validate.OneOf(["issuing", "holder", "redeemed", "expired"]))
    person_id = fields.Integer(validate=ID)
    household_id = fields.Integer(validate=ID)
    organization_id = fields.Integer(validate=ID)
    locality_code = fields.String(validate=CODE)


class PointsMovementSchema(Schema):
    """One line of a holder's ledger."""

    id = fields.Integer()
    transfer_id = fields.Integer()
    amount = fields.Integer()
    kind = fields.String(attribute="transfer.kind")
    value_date = fields.Date(attribute="transfer.value_date")
    memo = fields.String(attribute="transfer.memo")
    reason = fields.String(attribute="transfer.reason", allow_none=True)
    created_at = fields.DateTime(attribute="transfer.created_at")


class PointsClaimSchema(Schema):
    """A claim as the API shows it."""

    id = fields.Integer()
    rule_code = fields.String()
    rule_version = fields.Integer(attribute="rule.version")
    scheme = fields.String()
    points = fields.Integer()
    activity = fields.String()
    occurred_on = fields.Date()
    evidence = fields.String()
    state = fields.String()
    locality_code = fields.String()
    person_ids = fields.Method("_person_ids")
    branch_ids = fields.Method("_branch_ids")
    notice_ends_on = fields.Date(allow_none=True)
    transfer_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    objection = fields.String(allow_none=True)

    def _person_ids(self, claim) -> list[int]:
        return [p.id for p in claim.persons]

    def _branch_ids(self, claim) -> list[int]:
        return [b.id for b in claim.branches]


class PointsClaimQuerySchema(Schema):
    """Filters for listing claims."""

    state = fields.String(
        validate=validate.OneOf(["submitted", "notice", "posted", "rejected", "reversed"])
    )
    rule_code = fields.String(validate=validate.Length(max=30))


class PointsClaimCreateSchema(Schema):
    """A new claim: one rule, one activity, the residents (or party branches) it covers."""

    rule_code = fields.String(required=True, validate=[validate.Length(min=1, max=30), NO_NUL])
    locality_code = fields.String(required=True, validate=CODE)
    activity = fields.String(required=True, validate=[validate.Length(min=1, max=100), NO_NUL])
    occurred_on = fields.Date(required=True)
    evidence = fields.String(load_default="", validate=[validate.Length(max=2000), NO_NUL])
    person_ids = fields.List(fields.Integer(validate=ID), load_default=list)
    branch_ids = fields.List(fields.Integer(validate=ID), load_default=list)


class PointsTransitionSchema(Schema):
    """A workflow transition to apply, with a reason where one is required."""

    transition = fields.String(required=True, validate=validate.Length(min=1, max=30))
    reason = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=200), NO_NUL]
    )


class PointsReversalSchema(Schema):
    """Why a transfer is reversed."""

    reason = fields.String(required=True, validate=[validate.Length(min=1, max=200), NO_NUL])


class PointsProductSchema(Schema):
    """A product of the love supermarket's catalogue."""

    id = fields.Integer()
    merchant_id = fields.Integer()
    merchant = fields.String(attribute="merchant.name")
    name = fields.String()
    unit = fields.String()
    points_price = fields.Integer()
    cost_price = fields.Decimal(as_string=True, places=2)
    stock = fields.Integer()
    locality_code = fields.String()


class PointsRedemptionSchema(Schema):
    """A redemption."""

    id = fields.Integer()
    account_id = fields.Integer()
    product_id = fields.Integer()
    merchant_id = fields.Integer()
    quantity = fields.Integer()
    points = fields.Integer()
    cost_amount = fields.Decimal(as_string=True, places=2)
    state = fields.String()
    locality_code = fields.String()
    reserved_at = fields.DateTime()
    fulfilled_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)


class PointsRedemptionCreateSchema(Schema):
    """Reserve a product for a resident (by person, or by their account)."""

    person_id = fields.Integer(validate=ID)
    account_id = fields.Integer(validate=ID)
    product_id = fields.Integer(required=True, validate=ID)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=99))


class PointsLeaderboardQuerySchema(Schema):
    """Which board: scheme, locality (default: the caller's scope), period, page."""

    scheme = fields.String(load_default="resident", validate=validate.OneOf(list(SCHEMES)))
    locality_code = fields.String(validate=CODE)
    period = fields.String(
        load_default=None, metadata={"description": "all、2026 或 2026-03；默认本年"}
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100000))


class PointsStandingSchema(Schema):
    """One place on a leaderboard."""

    rank = fields.Integer()
    account_id = fields.Integer()
    name = fields.String()
    locality_code = fields.String()
    points = fields.Integer()
    stars = fields.Integer(allow_none=True)


class PointsRuleOutSchema(Schema):
    """A rule version in force."""

    code = fields.String()
    version = fields.Integer()
    scheme = fields.String()
    name = fields.String()
    category = fields.String()
    points = fields.Integer()
    cap = fields.Integer(allow_none=True)
    cap_period = fields.String(allow_none=True)
    needs_review = fields.Boolean()
    evidence = fields.String()
    trigger_event = fields.String(allow_none=True)
    awarded_by = fields.String()
    defined_at = fields.String(
        attribute="locality_code",
        metadata={"description": "定义该版本的区划（县级配置或一村一策的乡镇、村）"},
    )


class PointsRuleQuerySchema(Schema):
    """Which locality's rules."""

    locality_code = fields.String(validate=CODE)
