"""The plugin as a deployment sees it: its settings validated with exact paths, its permissions
and default roles, its hooks, and its tables matching its migrations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core import migrate
from core.plugin_manager import PluginSettingsError


def test_the_settings_have_sensible_defaults(make_runtime):
    settings = make_runtime(["supervision"]).plugins.settings("supervision")
    assert settings["major_matter_threshold"] == Decimal("50000")
    assert settings["inspection_min_rate"] == 15
    assert [r["category"] for r in settings["disclosure_calendar"]] == [
        "finance",
        "village",
        "party",
    ]
    assert (settings["rating_diligence_weight"], settings["rating_integrity_weight"]) == (50, 50)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"inspection_min_rate": 14},
            "plugins.supervision.inspection_min_rate: 必须在 15 到 100 之间",
        ),
        (
            {"major_matter_threshold": "五万"},
            "plugins.supervision.major_matter_threshold: 必须是数字",
        ),
        ({"threshold": 1}, "plugins.supervision.threshold: 未知"),
        (
            {"disclosure_calendar": [{"category": "finance", "frequency": "weekly"}]},
            "plugins.supervision.disclosure_calendar[0].frequency: 必须是以下之一：monthly",
        ),
        (
            {
                "disclosure_calendar": [
                    {"category": "finance", "frequency": "monthly"},
                    {"category": "finance", "frequency": "quarterly"},
                ]
            },
            "plugins.supervision.disclosure_calendar[1].category: 类别 finance 重复出现",
        ),
        (
            {"disclosure_calendar": [{"frequency": "monthly"}]},
            "plugins.supervision.disclosure_calendar[0].category: 缺少必填项",
        ),
        (
            {"rating_diligence_weight": 70},
            "plugins.supervision.rating_integrity_weight: 两项权重之和须为 100",
        ),
    ],
)
def test_bad_settings_stop_start_up_naming_the_exact_path(make_runtime, settings, message):
    with pytest.raises(PluginSettingsError) as caught:
        make_runtime(["supervision"], settings={"supervision": settings}, migrated=False)
    assert any(line.startswith(message) for line in caught.value.errors), caught.value.errors


def test_permissions_and_their_default_roles(make_runtime):
    permissions = make_runtime(["supervision"], migrated=False).plugins.permissions
    village = permissions.granted(["village_admin"])
    town = permissions.granted(["town_admin"])
    county = permissions.granted(["county_admin"])
    assert {"supervision.voucher.make", "supervision.voucher.audit"} <= village
    assert "supervision.voucher.book" not in village  # the township's entrusted accountant books
    assert "supervision.voucher.book" in town
    assert "supervision.power.manage" in county and "supervision.power.manage" not in town
    assert "supervision.finding.verify" not in village  # a village never verifies its own findings


def test_the_plugin_implements_its_hooks(make_runtime):
    hooks = make_runtime(["supervision"], migrated=False).plugins.implemented_hooks("supervision")
    assert hooks == [
        "provide_person_summary",
        "provide_public_notices",
        "register_admin_views",
        "register_api",
        "register_cli_commands",
        "register_demo_data",
        "register_permissions",
        "register_portal_sections",
    ]


def test_the_migrations_produce_exactly_the_models_schema(make_runtime):
    runtime = make_runtime(["supervision"])
    assert migrate.schema_differences(runtime) == []
    rows = migrate.current(runtime)
    assert ("supervision", "supervision_0002", "supervision_0002") in rows
