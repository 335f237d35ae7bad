"""The plugin as a deployment sees it: settings checked with exact paths, its hook, its tables."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core import migrate
from core.plugin_manager import PluginManager, PluginSettingsError


def test_the_settings_have_defaults_for_everything():
    settings = PluginManager(["assistance"]).settings("assistance")
    assert settings["notice_days"] == 7
    assert settings["consent_valid_days"] == 180
    assert settings["temporary_cap_months"] == Decimal("6")
    assert settings["checks"]["minimum_living"] == [
        "income",
        "pension",
        "housing",
        "vehicle",
        "business",
        "deposit",
    ]
    assert settings["departments"]["deposit"] == "人民银行及各商业银行"
    assert settings["review_months"]["minimum_living_variable"] == 6
    assert settings["care_fund_bands"][0] == {
        "cause": "illness",
        "min_loss": Decimal("20000.00"),
        "amount": Decimal("3000.00"),
    }
    assert settings["lead_events"] == {}


def test_bad_settings_are_refused_naming_each_exact_path():
    with pytest.raises(PluginSettingsError) as caught:
        PluginManager(
            ["assistance"],
            {
                "assistance": {
                    "notice_days": 0,
                    "notise_days": 7,
                    "checks": {"minimum_living": ["income", "salary"]},
                    "care_fund_bands": [{"cause": "flood", "min_loss": 1, "amount": 100}],
                    "review_months": {"extreme_poverty": "yearly"},
                    "lead_events": {"grid.illness": "sick"},
                }
            },
        )
    errors = caught.value.errors
    assert "plugins.assistance.notice_days: 必须在 1 到 30 之间" in errors
    assert any(e.startswith("plugins.assistance.notise_days: 未知") for e in errors)
    assert any(
        e.startswith("plugins.assistance.checks.minimum_living[1]: 必须是以下核对项目之一")
        for e in errors
    )
    assert (
        "plugins.assistance.care_fund_bands[0].cause: 必须是 illness、disaster 或 accident"
        in errors
    )
    assert "plugins.assistance.review_months.extreme_poverty: 必须是整数" in errors
    assert any(
        e.startswith("plugins.assistance.lead_events.grid.illness: 必须是线索类别之一")
        for e in errors
    )


def test_duplicate_care_fund_bands_are_refused():
    band = {"cause": "illness", "min_loss": 20000, "amount": 3000}
    with pytest.raises(PluginSettingsError, match="档次重复"):
        PluginManager(["assistance"], {"assistance": {"care_fund_bands": [band, band]}})


def test_hook_provide_verification_sources_is_offered_by_the_plugin():
    manager = PluginManager(["assistance"])
    offered = [s.code for result in manager.hook.provide_verification_sources() for s in result]
    assert offered == ["manual", "file"]
    assert "provide_verification_sources" in manager.implemented_hooks("assistance")
    assert not hasattr(PluginManager([]).hook, "provide_verification_sources")


def test_the_permissions_default_to_the_built_in_roles():
    registry = PluginManager(["assistance"]).permissions
    village = registry.granted(["village_admin"])
    town = registry.granted(["town_admin"])
    county = registry.granted(["county_admin"])
    assert "assistance.application.accept" in village
    assert "assistance.application.decide" not in village
    assert "assistance.application.decide" in town
    assert "assistance.payment.run" not in town
    assert {"assistance.payment.run", "assistance.payment.export"} <= county


def test_the_migrations_produce_exactly_the_plugins_tables(make_runtime):
    runtime = make_runtime(["assistance"])
    assert migrate.schema_differences(runtime) == []
    rows = migrate.current(runtime)
    assert ("assistance", "assistance_0002", "assistance_0002") in rows
