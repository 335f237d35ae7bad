"""``[plugins.compact]``: the settings schema and its defaults.

The recommended topics are the ones seed 004 (a township's 2022 guidance on community governance)
asks every village to write into its revised compact; they are advice shown beside a draft, never
a reason to refuse it. The forbidden phrases add to the rules of :mod:`gongzhi_compact.rules`,
which always apply.
"""

from __future__ import annotations

import copy
from typing import Any

import marshmallow
from marshmallow import fields, validate

from core.localities import Level, LocalityCodeError, level_of, validate_code

DEFAULT_TOPICS: list[dict[str, Any]] = [
    {"name": "社会主义核心价值观", "keywords": ["核心价值观"]},
    {"name": "治理滥办酒席", "keywords": ["酒席", "整酒", "宴席"]},
    {"name": "扫黑除恶", "keywords": ["扫黑除恶", "黑恶"]},
    {"name": "杜绝早婚早育", "keywords": ["早婚", "早育"]},
    {"name": "遏制低俗婚闹", "keywords": ["婚闹"]},
    {"name": "抵制天价彩礼", "keywords": ["彩礼"]},
    {"name": "提倡三日吉葬", "keywords": ["吉葬", "丧事简办", "丧事"]},
    {"name": "倡导绿色低碳生活", "keywords": ["绿色", "低碳"]},
]
"""What seed 004 asks villages to include when they revise their compacts (移风易俗)."""


def _county_code(code: str) -> None:
    try:
        validate_code(code)
    except LocalityCodeError as exc:
        raise marshmallow.ValidationError(str(exc)) from exc
    if level_of(code) is not Level.COUNTY:
        raise marshmallow.ValidationError(f"{code} 不是县级行政区划代码")


def _unique(what: str):
    def check(values: list[str]) -> None:
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise marshmallow.ValidationError(f"{what}重复：{'、'.join(duplicates)}")

    return check


PHRASE = fields.String(
    validate=[
        validate.Length(min=1, max=30, error="禁用词语长度须在 1 到 30 个字之间"),
        validate.Regexp(r"^\S(.*\S)?$", error="禁用词语首尾不能有空白"),
    ]
)


class TopicSchema(marshmallow.Schema):
    """One recommended topic: its name and the words that show a compact covers it."""

    class Meta:
        unknown = marshmallow.RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=30))
    keywords = fields.List(
        fields.String(validate=validate.Length(min=1, max=20)),
        required=True,
        validate=validate.Length(min=1, error="至少要有一个关键词"),
    )


class CompactSettings(marshmallow.Schema):
    """``[plugins.compact]``."""

    class Meta:
        unknown = marshmallow.RAISE

    consultation_item = fields.String(
        load_default="A01",
        validate=validate.Length(min=1, max=20),
        metadata={
            "description": "提交议事协商时所用的协商事项清单编码（默认 A01 村规民约的制定和修订）"
        },
    )
    forbidden_phrases = fields.List(
        PHRASE,
        load_default=list,
        validate=_unique("禁用词语"),
        metadata={"description": "本部署所有村规民约都不得含有的词语（罚款等规则之外另加）"},
    )
    county_forbidden_phrases = fields.Dict(
        keys=fields.String(validate=_county_code),
        values=fields.List(PHRASE, validate=_unique("禁用词语")),
        load_default=dict,
        metadata={"description": "各县另加的禁用词语，键为县级行政区划代码"},
    )
    recommended_topics = fields.List(
        fields.Nested(TopicSchema),
        load_default=lambda: copy.deepcopy(DEFAULT_TOPICS),
        metadata={"description": "建议纳入村规民约的内容（移风易俗等），只作提示，不阻止提交"},
    )
