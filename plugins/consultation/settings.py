"""``[plugins.consultation]``: the settings schema and its defaults.

The default catalogue is Pengshui's 协商事项清单: 4 categories (制度建设类, 公共事务公益事业类,
村(居)务管理类, 其他类) with 16 items in all. The report names the categories and the count; the
items below are the usual contents of each category in county catalogues, each with the triage
class (三事分流) a matter about it gets by default. A county replaces the whole list in its config.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import marshmallow
from marshmallow import fields, validate

from core.localities import Level, LocalityCodeError, level_of, validate_code

TRIAGE_CLASSES = {"major": "大事", "minor": "小事", "private": "私事"}
"""三事分流: 大事 (government management and public services) go to a department or township,
小事 (village public matters and public-welfare services) stay with the village committee and
community organisations, 私事 (personal affairs and market services) close with guidance."""

CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,19}$")

DEFAULT_CATALOGUE: list[dict[str, Any]] = [
    {
        "code": "A",
        "name": "制度建设类",
        "items": [
            {"code": "A01", "name": "村规民约、居民公约的制定和修订", "triage": "minor"},
            {"code": "A02", "name": "村（居）务公开和民主管理制度", "triage": "minor"},
            {"code": "A03", "name": "议事协商规则和程序", "triage": "minor"},
            {"code": "A04", "name": "集体经济组织章程和收益分配办法", "triage": "minor"},
        ],
    },
    {
        "code": "B",
        "name": "公共事务公益事业类",
        "items": [
            {"code": "B01", "name": "道路、桥梁、饮水等基础设施建设", "triage": "major"},
            {"code": "B02", "name": "人居环境整治和垃圾污水处理", "triage": "minor"},
            {"code": "B03", "name": "养老托幼、文化体育等公共服务", "triage": "major"},
            {"code": "B04", "name": "公益事业筹资筹劳（一事一议）", "triage": "minor"},
            {"code": "B05", "name": "社会救助和社会保障政策落实", "triage": "major"},
        ],
    },
    {
        "code": "C",
        "name": "村（居）务管理类",
        "items": [
            {"code": "C01", "name": "集体资产资源的管理和处置", "triage": "minor"},
            {"code": "C02", "name": "土地承包流转和宅基地使用", "triage": "minor"},
            {"code": "C03", "name": "小区物业、停车和公共秩序管理", "triage": "minor"},
            {"code": "C04", "name": "治安防范和安全隐患排查", "triage": "major"},
        ],
    },
    {
        "code": "D",
        "name": "其他类",
        "items": [
            {"code": "D01", "name": "邻里纠纷和家庭矛盾调解", "triage": "private"},
            {"code": "D02", "name": "红白喜事操办和移风易俗", "triage": "minor"},
            {"code": "D03", "name": "个人生产生活和市场服务诉求", "triage": "private"},
        ],
    },
]

DEFAULT_MEETING_FORMS = [
    "村民议事会",
    "民情恳谈会",
    "乡贤参事会",
    "院坝会",
    "板凳会",
    "屋场夜话",
    "圆桌对话会",
    "湾组会",
    "小组会",
]

DEFAULT_WISH_TAGS = ["老年人", "留守老人", "留守儿童", "残疾人"]
DEFAULT_CLAIMER_TAGS = ["志愿者", "党员"]


class ItemSchema(marshmallow.Schema):
    """One item of the catalogue (协商事项)."""

    class Meta:
        unknown = marshmallow.RAISE

    code = fields.String(
        required=True,
        validate=validate.Regexp(CODE, error="编码须以字母开头，只含字母、数字、-、_，最长 20 位"),
        metadata={"description": "事项编码，如 B01"},
    )
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "事项名称"},
    )
    triage = fields.String(
        required=True,
        validate=validate.OneOf(list(TRIAGE_CLASSES)),
        metadata={"description": "默认分流类别：major（大事）、minor（小事）、private（私事）"},
    )


class CategorySchema(marshmallow.Schema):
    """One category of the catalogue with its items."""

    class Meta:
        unknown = marshmallow.RAISE

    code = fields.String(
        required=True,
        validate=validate.Regexp(CODE, error="编码须以字母开头，只含字母、数字、-、_，最长 20 位"),
        metadata={"description": "类别编码，如 A"},
    )
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "类别名称，如 制度建设类"},
    )
    items = fields.List(
        fields.Nested(ItemSchema),
        required=True,
        validate=validate.Length(min=1, error="每个类别至少要有一个事项"),
        metadata={"description": "类别下的事项"},
    )


def _check_catalogue(categories: list[dict[str, Any]]) -> None:
    """Codes unique across categories and items (an item is found by its code alone)."""
    seen: set[str] = set()
    for category in categories:
        for code in [category["code"], *(item["code"] for item in category["items"])]:
            if code in seen:
                raise marshmallow.ValidationError(f"编码 {code} 重复")
            seen.add(code)


class CatalogueField(fields.List):
    """A catalogue: a non-empty list of categories whose codes are unique."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            fields.Nested(CategorySchema),
            validate=[validate.Length(min=1, error="清单至少要有一个类别"), _check_catalogue],
            **kwargs,
        )


class DeadlineSchema(marshmallow.Schema):
    """Time limits in days, per triage class."""

    class Meta:
        unknown = marshmallow.RAISE

    major = fields.Integer(
        load_default=30,
        validate=validate.Range(min=1, max=365),
        metadata={"description": "大事的办理时限（天，自提交起算）"},
    )
    minor = fields.Integer(
        load_default=15,
        validate=validate.Range(min=1, max=365),
        metadata={"description": "小事的办理时限（天，自提交起算）"},
    )
    private = fields.Integer(
        load_default=5,
        validate=validate.Range(min=1, max=365),
        metadata={"description": "清单默认为私事的事项告知办理途径的时限（天，自提交起算）"},
    )


def _county_code(value: str) -> None:
    try:
        code = validate_code(value)
    except LocalityCodeError as exc:
        raise marshmallow.ValidationError(str(exc)) from exc
    if level_of(code) is not Level.COUNTY:
        raise marshmallow.ValidationError(f"{code} 不是县级行政区划代码")


def _unique_forms(forms: list[str]) -> None:
    duplicates = sorted({f for f in forms if forms.count(f) > 1})
    if duplicates:
        raise marshmallow.ValidationError(f"议事形式重复：{'、'.join(duplicates)}")


class ConsultationSettings(marshmallow.Schema):
    """``[plugins.consultation]``."""

    class Meta:
        unknown = marshmallow.RAISE

    catalogue = CatalogueField(
        load_default=lambda: copy.deepcopy(DEFAULT_CATALOGUE),
        metadata={"description": "协商事项清单（类别和事项，默认为彭水的 4 大类 16 小项）"},
    )
    county_catalogues = fields.Dict(
        keys=fields.String(validate=_county_code),
        values=CatalogueField(),
        load_default=dict,
        metadata={
            "description": "各县自定的协商事项清单，键为县级行政区划代码；未列出的县用 catalogue"
        },
    )
    acceptance_days = fields.Integer(
        load_default=3,
        validate=validate.Range(min=1, max=60),
        metadata={"description": "受理和分流的时限（天，自提交起算；默认为私事的事项用私事时限）"},
    )
    deadline_days = fields.Nested(
        DeadlineSchema,
        load_default=lambda: DeadlineSchema().load({}),
        metadata={"description": "各分流类别的办理时限（天）"},
    )
    escalation_days = fields.Integer(
        load_default=7,
        validate=validate.Range(min=1, max=90),
        metadata={"description": "逾期升级督办后给予的新时限（天）"},
    )
    meeting_forms = fields.List(
        fields.String(validate=validate.Length(min=1, max=20)),
        load_default=lambda: list(DEFAULT_MEETING_FORMS),
        validate=[validate.Length(min=1, error="至少要有一种议事形式"), _unique_forms],
        metadata={"description": "议事协商的形式（村民议事会、院坝会、板凳会……）"},
    )
    evaluation_min_ratings = fields.Integer(
        load_default=3,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "评议满多少人即可结束评议"},
    )
    evaluation_days = fields.Integer(
        load_default=7,
        validate=validate.Range(min=1, max=90),
        metadata={"description": "办结后的评议期（天）；期满即可结束评议"},
    )
    wish_tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)),
        load_default=lambda: list(DEFAULT_WISH_TAGS),
        metadata={"description": "心愿墙优先展示的居民标签（老年人、留守老人……）"},
    )
    claimer_tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)),
        load_default=lambda: list(DEFAULT_CLAIMER_TAGS),
        metadata={"description": "可以个人身份认领心愿的居民标签；留空表示任何居民都可认领"},
    )
    max_attachment_kb = fields.Integer(
        load_default=5120,
        validate=validate.Range(min=1, max=16 * 1024),
        metadata={"description": "单个附件的大小上限（KB）"},
    )
