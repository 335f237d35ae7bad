"""The county's 积分细则 and knobs are validated at start-up, every problem named by its path."""

from __future__ import annotations

import pytest

from core.config import parse_config
from core.plugin_manager import PluginSettingsError
from core.runtime import Runtime
from core.testing import make_config_data

RULE = {"code": "ZY01", "name": "志愿服务", "category": "志愿服务", "points": 3}


def start(settings):
    return Runtime(parse_config(make_config_data("sqlite://", ["points"], {"points": settings})))


def test_defaults_give_a_working_catalogue():
    runtime = start({})
    settings = runtime.plugins.settings("points")
    assert settings["notice_days"] == 7 and settings["resident_holder"] == "household"
    assert {r["code"] for r in settings["rules"]} >= {"CY01", "ZY01", "XF01", "BL01"}
    runtime.close()


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        (
            {"rules": [RULE, {**RULE, "code": "KF01", "points": 0}]},
            "plugins.points.rules[1].points: 积分不能为 0",
        ),
        ({"rules": [RULE, RULE]}, "plugins.points.rules[1].code: 规则代码重复：ZY01"),
        (
            {"rules": [{**RULE, "code": "zy 1"}]},
            "plugins.points.rules[0].code: 规则代码须以大写字母开头",
        ),
        (
            {"rules": [{**RULE, "cap": 5}]},
            "plugins.points.rules[0].cap: cap 与 cap_period 必须同时填写",
        ),
        (
            {"rules": [{**RULE, "category": "其它"}]},
            "plugins.points.rules[0].category: 必须是以下之一",
        ),
        ({"rules": [{**RULE, "scheme": "gold"}]}, "plugins.points.rules[0].scheme: 必须是以下之一"),
        ({"notice_days": -1}, "plugins.points.notice_days: 必须在 0 到 30 之间"),
        ({"holder_floor": 5}, "plugins.points.holder_floor: 必须在 -10000 到 0 之间"),
        (
            {"stars": {"resident": [5, 4, 3, 2, 1]}},
            "plugins.points.stars.resident: 门槛必须严格递增",
        ),
        ({"notice_day": 3}, "plugins.points.notice_day: 未知"),
    ],
)
def test_invalid_settings_stop_start_up_naming_the_path(settings, line):
    with pytest.raises(PluginSettingsError) as caught:
        start(settings)
    assert any(error.startswith(line) for error in caught.value.errors), caught.value.errors
