"""What a village compact may not say: no fines (seed 004: 所修订的民约不允许有罚款等条约), and
the phrases a deployment or a county forbids; every refusal names the article and the phrase."""

from __future__ import annotations

import pytest

from core.plugin_manager import PluginSettingsError

from gongzhi_compact.rules import (
    ArticleText,
    coverage,
    fines_in,
    local_phrases,
    numbering_problem,
    violations,
)
from gongzhi_compact.settings import DEFAULT_TOPICS, CompactSettings


def articles(*bodies):
    return [ArticleText(number, body) for number, body in enumerate(bodies, start=1)]


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("乱倒垃圾的，罚款50元。", "罚款50元"),
        ("不遵守者罚款。", "罚款"),
        ("违者罚500元。", "罚500元"),
        ("违者罚其二百元并通报。", "罚其二百元"),
        ("损坏公物的处以罚金。", "罚金"),
        ("拒不改正的给予经济处罚。", "经济处罚"),
        ("违约者交纳违约金。", "违约金"),
        ("违者罚 款。", "罚 款"),
        ("严禁焚烧秸秆，违者罚款。", "罚款"),
    ],
)
def test_a_clause_imposing_a_fine_is_caught_with_the_phrase_as_written(text, phrase):
    assert fines_in(text) == [phrase]


@pytest.mark.parametrize(
    "text",
    [
        "违反本公约的，批评教育，不得罚款。",
        "不得以罚款代替说服教育。",
        "村民委员会不得对村民罚款。",
        "禁止罚款，提倡说服教育。",
        "一律不准罚钱。",
        "红白喜事简办，不滥办酒席。",
    ],
)
def test_a_clause_ruling_fines_out_is_lawful(text):
    assert fines_in(text) == []


def test_the_refusal_names_the_article_and_the_offending_phrase():
    found = violations("城南社区居民公约", articles("红白喜事简办。", "乱扔垃圾的，罚款20元。"))
    assert [v.message for v in found] == [
        "第2条含有“罚款20元”：村规民约不得设定罚款等处罚（所修订的民约不允许有罚款等条约）"
    ]


def test_the_title_is_checked_too():
    found = violations("城南社区罚款办法", articles("红白喜事简办。"))
    assert [(v.place, v.phrase) for v in found] == [("标题", "罚款")]


def test_every_offending_article_is_listed_in_order():
    found = violations(
        "公约",
        [ArticleText(5, "违者罚款。"), ArticleText(2, "交纳违约金。"), ArticleText(3, "好好干。")],
    )
    assert [(v.place, v.phrase) for v in found] == [("第2条", "违约金"), ("第5条", "罚款")]


def test_a_county_forbids_more_phrases_in_its_villages_only():
    settings = CompactSettings().load(
        {
            "forbidden_phrases": ["开除村籍"],
            "county_forbidden_phrases": {"500243000000": ["停水停电"]},
        }
    )
    here = local_phrases(settings, "500243001001")
    elsewhere = local_phrases(settings, "500242001001")
    assert here == ["开除村籍", "停水停电"]
    assert elsewhere == ["开除村籍"]
    found = violations("公约", articles("拖欠的，停水停电。", "屡教不改的，开除 村籍。"), here)
    assert [v.message for v in found] == [
        "第1条含有“停水停电”：按本地规定，村规民约不得含有此内容",
        "第2条含有“开除村籍”：按本地规定，村规民约不得含有此内容",
    ]


def test_articles_are_numbered_from_one_without_gaps():
    assert numbering_problem([]) == "村规民约至少要有一条条款"
    assert numbering_problem([1, 2, 4]) == "条款须从第1条起连续编号：缺少第3条"
    assert numbering_problem([2, 1, 3]) is None


def test_the_recommended_topics_of_seed_004_are_advice_about_what_is_covered():
    covered = dict(coverage(["抵制天价彩礼，红白喜事不滥办酒席。"], DEFAULT_TOPICS))
    assert covered["抵制天价彩礼"] is True
    assert covered["治理滥办酒席"] is True
    assert covered["杜绝早婚早育"] is False
    assert len(covered) == 8


def test_bad_settings_are_refused_naming_the_exact_path(make_runtime):
    with pytest.raises(PluginSettingsError) as caught:
        make_runtime(
            ["consultation", "compact"],
            settings={
                "compact": {
                    "forbidden_phrases": ["罚款", "罚款"],
                    "county_forbidden_phrases": {"500243001001": ["停水"]},
                    "recommended_topics": [{"name": "移风易俗", "keywords": []}],
                }
            },
        )
    errors = "\n".join(caught.value.errors)
    assert "plugins.compact.forbidden_phrases: 禁用词语重复：罚款" in errors
    assert "500243001001 不是县级行政区划代码" in errors
    assert "plugins.compact.recommended_topics[0].keywords: 至少要有一个关键词" in errors
