"""``[plugins.supervision]``: the county's rules for 村务监督, validated at start-up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow
from marshmallow import fields, validate

from plugins.supervision.models.constants import DISCLOSURE_CATEGORIES, FREQUENCIES

DEFAULT_CALENDAR = (
    {"category": "finance", "frequency": "quarterly", "due_days": 15},
    {"category": "village", "frequency": "quarterly", "due_days": 15},
    {"category": "party", "frequency": "quarterly", "due_days": 15},
)


class CalendarRule(marshmallow.Schema):
    """One line of the disclosure calendar: what must be disclosed, how often, how soon."""

    class Meta:
        unknown = marshmallow.RAISE

    category = fields.String(
        required=True,
        validate=validate.OneOf(list(DISCLOSURE_CATEGORIES)),
        metadata={"description": "公开类别：party 党务、village 村务、finance 财务、other 其他"},
    )
    frequency = fields.String(
        required=True,
        validate=validate.OneOf(list(FREQUENCIES)),
        metadata={"description": "公开频次：monthly 每月、quarterly 每季度、yearly 每年"},
    )
    due_days = fields.Integer(
        load_default=10,
        validate=validate.Range(min=0, max=90),
        metadata={"description": "期间结束后几日内必须公开"},
    )


class SupervisionSettings(marshmallow.Schema):
    """``[plugins.supervision]``: thresholds, the disclosure calendar, inspections and ratings."""

    class Meta:
        unknown = marshmallow.RAISE

    major_matter_threshold = fields.Decimal(
        load_default=Decimal("50000"),
        places=2,
        validate=validate.Range(min=0),
        metadata={
            "description": "重大事项金额标准（元）：单笔支出达到此金额，须有经村民代表会议决议的"
            "四议两公开事项才能审核"
        },
    )
    disclosure_calendar = fields.List(
        fields.Nested(CalendarRule),
        load_default=lambda: [dict(rule) for rule in DEFAULT_CALENDAR],
        metadata={"description": "村务公开日历：每个村必须按期公开的类别、频次和期限"},
    )
    inspection_min_rate = fields.Integer(
        load_default=15,
        validate=validate.Range(min=15, max=100),
        metadata={"description": "季度督查抽查比例下限（%），不得低于 15"},
    )
    rectification_days = fields.Integer(
        load_default=30,
        validate=validate.Range(min=1, max=365),
        metadata={"description": "督查发现问题的默认整改期限（天）"},
    )
    rating_diligence_weight = fields.Integer(
        load_default=50,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "勤廉指数中“勤”（勤勉履职）所占权重（%）"},
    )
    rating_integrity_weight = fields.Integer(
        load_default=50,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "勤廉指数中“廉”（廉洁自律）所占权重（%），两项权重之和须为 100"},
    )
    rent_grace_days = fields.Integer(
        load_default=30,
        validate=validate.Range(min=0, max=365),
        metadata={"description": "租金到期后宽限天数，超过即列入欠租清单"},
    )
    attachment_max_kb = fields.Integer(
        load_default=5120,
        validate=validate.Range(min=1, max=15360),
        metadata={"description": "单个附件（扫描件、照片）大小上限（KB）"},
    )

    @marshmallow.validates_schema
    def _weights_add_up(self, data: dict[str, Any], **_kwargs: Any) -> None:
        diligence = data.get("rating_diligence_weight", 50)
        integrity = data.get("rating_integrity_weight", 50)
        if diligence + integrity != 100:
            raise marshmallow.ValidationError(
                f"两项权重之和须为 100，现为 {diligence + integrity}",
                "rating_integrity_weight",
            )

    @marshmallow.validates_schema
    def _calendar_unique(self, data: dict[str, Any], **_kwargs: Any) -> None:
        seen: set[str] = set()
        for index, rule in enumerate(data.get("disclosure_calendar") or ()):
            if rule["category"] in seen:
                raise marshmallow.ValidationError(
                    {index: {"category": [f"类别 {rule['category']} 重复出现"]}},
                    "disclosure_calendar",
                )
            seen.add(rule["category"])
