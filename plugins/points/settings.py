"""``[plugins.points]``: the county's 积分细则 and the knobs of the ledger, notices and rankings.

Every key has a default, so a deployment that only writes ``enabled = ["points"]`` gets a
realistic catalogue of rules (drawn from the 共同缔造积分管理办法 and 双指数 practices in the
reports) that it can then replace.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import marshmallow
from marshmallow import fields, validate, validates, validates_schema

SCHEMES = {"resident": "村民积分", "pioneer": "先锋指数", "bastion": "堡垒指数"}
"""Who holds points: residents or households (村民积分), party members (先锋指数), branches."""

CATEGORIES = (
    "参与公共事务",
    "志愿服务",
    "好人好事",
    "移风易俗",
    "环境整治",
    "孝老爱亲",
    "党员先锋",
    "支部建设",
    "扣分",
)
"""The behaviour categories of 积分细则."""

CAP_PERIODS = {"month": "每月", "year": "每年"}
AWARD_LEVELS = {"village": "村（社区）", "town": "乡镇（街道）", "county": "县"}
"""Who may award a rule: accounts scoped at this level or above."""

RULE_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,29}$")


DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "code": "CY01",
        "scheme": "resident",
        "name": "参加村民议事会、院坝会等议事协商",
        "category": "参与公共事务",
        "points": 2,
        "cap": 8,
        "cap_period": "month",
        "needs_review": False,
        "evidence": "议事会签到记录",
        "trigger_event": "consultation.deliberation_attended",
        "person_field": "person_id",
    },
    {
        "code": "CY02",
        "scheme": "resident",
        "name": "认领并实现群众微心愿",
        "category": "好人好事",
        "points": 5,
        "cap": 20,
        "cap_period": "month",
        "needs_review": False,
        "evidence": "心愿墙认领记录",
        "trigger_event": "consultation.wish_fulfilled",
        "person_field": "fulfiller_person_id",
    },
    {
        "code": "ZY01",
        "scheme": "resident",
        "name": "参加志愿服务活动",
        "category": "志愿服务",
        "points": 3,
        "cap": 15,
        "cap_period": "month",
        "needs_review": True,
        "evidence": "志愿服务记录、活动照片",
    },
    {
        "code": "HJ01",
        "scheme": "resident",
        "name": "参加环境整治、垃圾分类",
        "category": "环境整治",
        "points": 2,
        "cap": 10,
        "cap_period": "month",
        "needs_review": False,
        "evidence": "活动照片",
    },
    {
        "code": "HR01",
        "scheme": "resident",
        "name": "见义勇为、拾金不昧等好人好事",
        "category": "好人好事",
        "points": 10,
        "cap": 30,
        "cap_period": "year",
        "needs_review": True,
        "evidence": "事迹材料、受助人证明",
    },
    {
        "code": "YF01",
        "scheme": "resident",
        "name": "婚事新办、丧事简办，不办滥酒席",
        "category": "移风易俗",
        "points": 10,
        "cap": 20,
        "cap_period": "year",
        "needs_review": True,
        "evidence": "红白理事会证明",
    },
    {
        "code": "XL01",
        "scheme": "resident",
        "name": "孝老爱亲、邻里互助",
        "category": "孝老爱亲",
        "points": 5,
        "cap": 20,
        "cap_period": "year",
        "needs_review": True,
        "evidence": "村民小组长推荐",
    },
    {
        "code": "KF01",
        "scheme": "resident",
        "name": "乱倒垃圾、乱堆乱放等违反村规民约",
        "category": "扣分",
        "points": -5,
        "cap": 20,
        "cap_period": "month",
        "needs_review": True,
        "evidence": "现场照片、村民小组长确认",
    },
    {
        "code": "KF02",
        "scheme": "resident",
        "name": "大操大办、天价彩礼",
        "category": "扣分",
        "points": -10,
        "cap": 20,
        "cap_period": "year",
        "needs_review": True,
        "evidence": "红白理事会记录",
    },
    {
        "code": "XF01",
        "scheme": "pioneer",
        "name": "党员参加议事协商",
        "category": "党员先锋",
        "points": 2,
        "cap": 8,
        "cap_period": "month",
        "needs_review": False,
        "evidence": "议事会签到记录",
        "trigger_event": "consultation.deliberation_attended",
        "person_field": "person_id",
    },
    {
        "code": "XF02",
        "scheme": "pioneer",
        "name": "下沉党员领办实事项目",
        "category": "党员先锋",
        "points": 10,
        "cap": 30,
        "cap_period": "year",
        "needs_review": True,
        "evidence": "项目台账、群众评价",
    },
    {
        "code": "XF03",
        "scheme": "pioneer",
        "name": "住地党员包楼栋、联系住户",
        "category": "党员先锋",
        "points": 3,
        "cap": 12,
        "cap_period": "month",
        "needs_review": False,
        "evidence": "走访记录",
    },
    {
        "code": "XF04",
        "scheme": "pioneer",
        "name": "无故不参加组织生活",
        "category": "扣分",
        "points": -5,
        "cap": 15,
        "cap_period": "year",
        "needs_review": True,
        "evidence": "组织生活签到记录",
    },
    {
        "code": "BL01",
        "scheme": "bastion",
        "name": "按时开展主题党日和“三会一课”",
        "category": "支部建设",
        "points": 5,
        "cap": 5,
        "cap_period": "month",
        "needs_review": False,
        "evidence": "会议记录",
        "awarded_by": "town",
    },
    {
        "code": "BL02",
        "scheme": "bastion",
        "name": "村级重大事项党员先知晓、先讨论",
        "category": "支部建设",
        "points": 5,
        "cap": 10,
        "cap_period": "month",
        "needs_review": True,
        "evidence": "四议两公开会议记录",
        "awarded_by": "town",
    },
    {
        "code": "BL03",
        "scheme": "bastion",
        "name": "支部工作考核不达标",
        "category": "扣分",
        "points": -10,
        "cap": 20,
        "cap_period": "year",
        "needs_review": True,
        "evidence": "考核通报",
        "awarded_by": "town",
    },
]
"""The catalogue a county starts with: edit it in ``[[plugins.points.rules]]``."""


class RuleSchema(marshmallow.Schema):
    """One rule of the county's 积分细则 (``[[plugins.points.rules]]``)."""

    class Meta:
        unknown = marshmallow.RAISE

    code = fields.String(
        required=True,
        metadata={"description": "规则代码：大写字母开头，字母、数字、- 或 _，最长 30 个字符"},
    )
    scheme = fields.String(
        load_default="resident",
        validate=validate.OneOf(list(SCHEMES)),
        metadata={"description": "积分体系：resident 村民积分、pioneer 先锋指数、bastion 堡垒指数"},
    )
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=60),
        metadata={"description": "行为名称"},
    )
    category = fields.String(
        required=True,
        validate=validate.OneOf(CATEGORIES),
        metadata={"description": "类别：" + "、".join(CATEGORIES)},
    )
    points = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=-1000, max=1000),
        metadata={"description": "每次加减的积分（正数加分，负数扣分，不能为 0）"},
    )
    cap = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "每个周期内该规则对同一持有人累计加（扣）分的上限"},
    )
    cap_period = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(list(CAP_PERIODS)),
        metadata={"description": "上限周期：month 每月，year 每年"},
    )
    needs_review = fields.Boolean(
        load_default=True, metadata={"description": "是否需要审核（否则提交即进入公示）"}
    )
    evidence = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "需要的佐证材料"},
    )
    trigger_event = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[a-z_]+\.[a-z_]+$", error="事件名应形如 plugin.thing"),
        metadata={"description": "自动加分的领域事件名（如 consultation.deliberation_attended）"},
    )
    person_field = fields.String(
        load_default="person_id",
        validate=validate.Regexp(r"^[a-z_]+$", error="字段名只能含小写字母和下划线"),
        metadata={"description": "事件中指明持有人的字段（默认 person_id）"},
    )
    awarded_by = fields.String(
        load_default="village",
        validate=validate.OneOf(list(AWARD_LEVELS)),
        metadata={"description": "谁可以申报：village 村级及以上，town 乡镇及以上，county 县级"},
    )

    @validates("code")
    def _check_code(self, value: str, **_: Any) -> None:
        if not RULE_CODE.match(value):
            raise marshmallow.ValidationError(
                "规则代码须以大写字母开头，只含大写字母、数字、- 或 _，长 2 到 30 个字符"
            )

    @validates("points")
    def _check_points(self, value: int, **_: Any) -> None:
        if value == 0:
            raise marshmallow.ValidationError("积分不能为 0")

    @validates_schema
    def _check_cap(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("cap") is None) != (data.get("cap_period") is None):
            raise marshmallow.ValidationError("cap 与 cap_period 必须同时填写或同时省略", "cap")


class StarsSchema(marshmallow.Schema):
    """Thresholds of 评星定级: the points needed for one to five stars, per scheme."""

    class Meta:
        unknown = marshmallow.RAISE

    resident = fields.List(
        fields.Integer(strict=True),
        load_default=lambda: [10, 20, 35, 50, 70],
        metadata={"description": "村民（户）积分一至五星的门槛"},
    )
    pioneer = fields.List(
        fields.Integer(strict=True),
        load_default=lambda: [10, 20, 30, 45, 60],
        metadata={"description": "党员先锋指数一至五星的门槛"},
    )
    bastion = fields.List(
        fields.Integer(strict=True),
        load_default=lambda: [20, 40, 60, 80, 100],
        metadata={"description": "党支部堡垒指数一至五星的门槛"},
    )

    @validates_schema
    def _ascending(self, data: dict[str, Any], **_: Any) -> None:
        for scheme, thresholds in data.items():
            if len(thresholds) != 5:
                raise marshmallow.ValidationError("必须正好给出 5 个门槛（一至五星）", scheme)
            if any(b <= a for a, b in itertools.pairwise(thresholds)):
                raise marshmallow.ValidationError("门槛必须严格递增", scheme)
            if thresholds[0] <= 0:
                raise marshmallow.ValidationError("门槛必须为正数", scheme)


class PointsSettings(marshmallow.Schema):
    """``[plugins.points]``."""

    class Meta:
        unknown = marshmallow.RAISE

    resident_holder = fields.String(
        load_default="household",
        validate=validate.OneOf(["person", "household"]),
        metadata={"description": "村民积分记到谁名下：person 个人，household 户"},
    )
    notice_days = fields.Integer(
        load_default=7,
        strict=True,
        validate=validate.Range(min=0, max=30),
        metadata={"description": "积分申报的公示天数（0 表示不公示，审核通过即入账）"},
    )
    expiry_months = fields.Integer(
        load_default=0,
        strict=True,
        validate=validate.Range(min=0, max=120),
        metadata={"description": "积分有效期（月）：超过的未用积分由到期处理清零；0 表示永不过期"},
    )
    holder_floor = fields.Integer(
        load_default=-100,
        strict=True,
        validate=validate.Range(min=-10000, max=0),
        metadata={"description": "持有人余额下限：扣分最多扣到此值；兑换只能用正余额"},
    )
    portal_names = fields.String(
        load_default="masked",
        validate=validate.OneOf(["masked", "full"]),
        metadata={"description": "门户积德榜、排行榜上的姓名：masked 脱敏（张*），full 全名"},
    )
    portal_board_size = fields.Integer(
        load_default=10,
        strict=True,
        validate=validate.Range(min=1, max=100),
        metadata={"description": "门户排行榜显示的名次数"},
    )
    snapshot_size = fields.Integer(
        load_default=100,
        strict=True,
        validate=validate.Range(min=1, max=10000),
        metadata={"description": "年度排行快照保存的名次数"},
    )
    stars = fields.Nested(
        StarsSchema,
        load_default=lambda: StarsSchema().load({}),
        metadata={"description": "评星定级门槛"},
    )
    max_claim_holders = fields.Integer(
        load_default=500,
        strict=True,
        validate=validate.Range(min=1, max=5000),
        metadata={"description": "一次申报最多包含的人数（或支部数）"},
    )
    rules = fields.List(
        fields.Nested(RuleSchema),
        load_default=lambda: RuleSchema(many=True).load(DEFAULT_RULES),
        metadata={"description": "县级积分细则（乡镇、村可在后台覆盖：一村一策）"},
    )

    @validates_schema
    def _unique_codes(self, data: dict[str, Any], **_: Any) -> None:
        seen: set[str] = set()
        errors: dict[int, dict[str, list[str]]] = {}
        for index, rule in enumerate(data.get("rules") or []):
            if rule["code"] in seen:
                errors[index] = {"code": [f"规则代码重复：{rule['code']}"]}
            seen.add(rule["code"])
        if errors:
            raise marshmallow.ValidationError({"rules": errors})
