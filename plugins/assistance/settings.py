"""``[plugins.assistance]``: the rules a county tunes, validated at start-up with exact paths.

Money amounts that vary by place and year (the local 低保 standard, the 特困 basic living standard
and care allowances) are *data*, kept per locality in the 救助标准 table; what is here are the
rules around them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow
from marshmallow import fields, validate

from plugins.assistance.programmes import CARE_CAUSES, DATA_CHECKS, LEAD_KINDS

_CHECK = validate.OneOf(DATA_CHECKS, error="必须是以下核对项目之一：" + "、".join(DATA_CHECKS))
_POSITIVE_MONEY = validate.Range(min=Decimal("0.01"), error="必须大于 0")
_NON_NEGATIVE_MONEY = validate.Range(min=Decimal("0"), error="不能为负数")


def _money(default: str, description: str, positive: bool = True) -> fields.Decimal:
    return fields.Decimal(
        places=2,
        load_default=Decimal(default),
        validate=_POSITIVE_MONEY if positive else _NON_NEGATIVE_MONEY,
        metadata={"description": description},
    )


def _checks(default: list[str], description: str) -> fields.List:
    return fields.List(
        fields.String(validate=_CHECK),
        load_default=lambda: list(default),
        metadata={"description": description},
    )


class _Strict(marshmallow.Schema):
    class Meta:
        unknown = marshmallow.RAISE


class ChecksSettings(_Strict):
    """``[plugins.assistance.checks]``: the verification checks each programme requires."""

    minimum_living = _checks(
        ["income", "pension", "housing", "vehicle", "business", "deposit"], "低保必须完成的核对项目"
    )
    extreme_poverty = _checks(
        ["income", "pension", "housing", "vehicle", "deposit"], "特困供养必须完成的核对项目"
    )
    temporary = _checks(
        ["income", "pension"], "临时救助必须完成的核对项目（支出型另加自付医疗费用及刚性支出）"
    )
    party_care = _checks(
        [], "党内关爱资金必须完成的核对项目（另按原因加医疗费用或灾害事故损失核实）"
    )


class DepartmentSettings(_Strict):
    """``[plugins.assistance.departments]``: which department answers each check."""

    income = fields.String(
        load_default="人力资源和社会保障局", metadata={"description": "工资及经营性收入的核对部门"}
    )
    pension = fields.String(
        load_default="人力资源和社会保障局", metadata={"description": "养老金等待遇的核对部门"}
    )
    housing = fields.String(
        load_default="不动产登记中心", metadata={"description": "房产的核对部门"}
    )
    vehicle = fields.String(
        load_default="公安局交通管理部门", metadata={"description": "机动车辆的核对部门"}
    )
    business = fields.String(
        load_default="市场监督管理局", metadata={"description": "工商登记的核对部门"}
    )
    deposit = fields.String(
        load_default="人民银行及各商业银行", metadata={"description": "存款及有价证券的核对部门"}
    )
    expense = fields.String(
        load_default="医疗保障局", metadata={"description": "自付医疗费用的核对部门"}
    )
    loss = fields.String(
        load_default="应急管理局", metadata={"description": "灾害事故损失的核对部门"}
    )
    objection = fields.String(
        load_default="乡镇（街道）社会救助经办机构",
        metadata={"description": "公示异议的核实部门"},
    )


class ReviewSettings(_Strict):
    """``[plugins.assistance.review_months]``: months between periodic reviews (复核)."""

    minimum_living_stable = fields.Integer(
        load_default=12,
        validate=validate.Range(min=1, max=36),
        metadata={"description": "低保：收入难以改善的家庭每隔几个月复核一次"},
    )
    minimum_living_variable = fields.Integer(
        load_default=6,
        validate=validate.Range(min=1, max=36),
        metadata={"description": "低保：收入不固定或有劳动能力的家庭每隔几个月复核一次"},
    )
    extreme_poverty = fields.Integer(
        load_default=12,
        validate=validate.Range(min=1, max=36),
        metadata={"description": "特困供养人员每隔几个月复核一次"},
    )


class CareFundBand(_Strict):
    """One band of the party care fund: a cause, the loss it starts at, the amount it pays."""

    cause = fields.String(
        required=True,
        validate=validate.OneOf(list(CARE_CAUSES), error="必须是 illness、disaster 或 accident"),
        metadata={"description": "原因：illness 重大疾病、disaster 重大灾害、accident 重大意外"},
    )
    min_loss = _money("0", "起付损失（元）：自付费用或损失达到此数即适用本档", positive=False)
    amount = _money("0.01", "本档资助金额（元）")


DEFAULT_BANDS = [
    {"cause": "illness", "min_loss": "20000", "amount": "3000"},
    {"cause": "illness", "min_loss": "50000", "amount": "5000"},
    {"cause": "illness", "min_loss": "100000", "amount": "10000"},
    {"cause": "disaster", "min_loss": "10000", "amount": "2000"},
    {"cause": "disaster", "min_loss": "50000", "amount": "5000"},
    {"cause": "accident", "min_loss": "10000", "amount": "2000"},
    {"cause": "accident", "min_loss": "50000", "amount": "5000"},
]


def _nested(schema: type[marshmallow.Schema], description: str) -> fields.Nested:
    return fields.Nested(
        schema, load_default=lambda: schema().load({}), metadata={"description": description}
    )


class AssistanceSettings(_Strict):
    """``[plugins.assistance]``."""

    notice_days = fields.Integer(
        load_default=7,
        validate=validate.Range(min=1, max=30),
        metadata={"description": "公示天数：拟救助对象在门户公示的天数，期满无异议方可审批"},
    )
    consent_valid_days = fields.Integer(
        load_default=180,
        validate=validate.Range(min=1, max=3650),
        metadata={"description": "授权书（一证一书）的有效天数"},
    )
    check_due_days = fields.Integer(
        load_default=10,
        validate=validate.Range(min=1, max=90),
        metadata={"description": "核对任务的办理时限（天）"},
    )
    deposit_limit_months = fields.Integer(
        load_default=24,
        validate=validate.Range(min=0, max=240),
        metadata={"description": "人均存款等金融资产上限：当地低保标准的月数倍"},
    )
    vehicle_value_limit = _money(
        "0", "家庭机动车总价值上限（元），0 表示拥有机动车即不符合", positive=False
    )
    temporary_cap_months = fields.Decimal(
        places=2,
        load_default=Decimal("6"),
        validate=_POSITIVE_MONEY,
        metadata={"description": "临时救助每次上限：当地低保标准的月数倍"},
    )
    expenditure_ratio = fields.Decimal(
        places=2,
        load_default=Decimal("1"),
        validate=_POSITIVE_MONEY,
        metadata={
            "description": "支出型贫困：自付刚性支出超过家庭年收入的此倍数即符合，"
            "超出部分为救助需求"
        },
    )
    care_fund_bands = fields.List(
        fields.Nested(CareFundBand),
        load_default=lambda: CareFundBand(many=True).load(DEFAULT_BANDS),
        metadata={"description": "党内关爱资金资助档次（按原因和损失金额）"},
    )
    party_member_tag = fields.String(
        load_default="党员",
        validate=validate.Length(min=1, max=50),
        metadata={"description": "标记党员的居民标签名称（党内关爱资金只资助党员）"},
    )
    expense_lead_threshold = _money(
        "10000", "导入医院大额自付费用名单时，达到此金额（元）才生成救助线索"
    )
    lead_events = fields.Dict(
        keys=fields.String(validate=validate.Length(min=3, max=100)),
        values=fields.String(
            validate=validate.OneOf(
                list(LEAD_KINDS), error="必须是线索类别之一：" + "、".join(LEAD_KINDS)
            )
        ),
        load_default=dict,
        metadata={
            "description": "把其他插件的业务事件变成主动发现线索：事件名 → 线索类别；"
            "事件须带 person_id 或 household_id"
        },
    )
    checks = _nested(ChecksSettings, "各救助项目必须完成的核对项目")
    departments = _nested(DepartmentSettings, "各核对项目的核对部门")
    review_months = _nested(ReviewSettings, "定期复核间隔（月）")

    @marshmallow.validates("care_fund_bands")
    def _bands_unique(self, bands: list[dict[str, Any]], **_kwargs: Any) -> None:
        seen = set()
        for band in bands:
            key = (band.get("cause"), band.get("min_loss"))
            if None in key:
                continue  # an invalid band is reported by its own field
            if key in seen:
                raise marshmallow.ValidationError(f"档次重复：{key[0]} 起付 {key[1]} 元出现两次")
            seen.add(key)
