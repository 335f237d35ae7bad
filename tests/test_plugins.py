"""Enabling plugins: discovery, order, and every way it can fail, each with a helpful message."""

import re
from importlib.metadata import EntryPoint

import pytest

from core.plugin_manager import (
    ENTRY_POINT_GROUP,
    DependencyCycleError,
    HookImplementationError,
    MissingDependencyError,
    PluginError,
    PluginImportError,
    PluginManager,
    PluginSettingsError,
    UnknownPluginError,
    dependency_order,
    installed_entry_points,
)

CASES = ["broken_import", "misspelled", "no_manifest", "cycle_a", "cycle_b", "cycle_c"]
CASES += ["needs_example", "future_core"]


def installed_with_cases() -> dict[str, EntryPoint]:
    """The real installed plugins plus the test cases, each behind a real entry point."""
    installed = installed_entry_points()
    for name in CASES:
        installed[name] = EntryPoint(name, f"plugin_cases.{name}", ENTRY_POINT_GROUP)
    return installed


def test_the_four_practice_plugins_and_the_example_are_installed_through_entry_points():
    installed = installed_entry_points()
    assert {"points", "assistance", "supervision", "consultation", "example"} <= set(installed)


def test_installing_is_not_enabling():
    manager = PluginManager([])
    assert manager.names == []
    assert not manager.is_enabled("points")


def test_an_unknown_plugin_is_refused_with_the_list_of_installed_ones():
    with pytest.raises(UnknownPluginError) as caught:
        PluginManager(["pionts"])
    message = str(caught.value)
    assert "pionts" in message
    for name in ("points", "assistance", "supervision", "consultation"):
        assert name in message


def test_a_missing_dependency_is_named():
    with pytest.raises(MissingDependencyError) as caught:
        PluginManager(["needs_example"], installed=installed_with_cases())
    assert "needs_example" in str(caught.value)
    assert "example" in str(caught.value)


def test_a_dependency_cycle_prints_the_whole_cycle():
    with pytest.raises(DependencyCycleError) as caught:
        PluginManager(["cycle_a", "cycle_b", "cycle_c"], installed=installed_with_cases())
    assert "cycle_a → cycle_b → cycle_c → cycle_a" in str(caught.value)


def test_a_plugin_that_fails_to_import_is_named():
    with pytest.raises(PluginImportError) as caught:
        PluginManager(["broken_import"], installed=installed_with_cases())
    message = str(caught.value)
    assert "broken_import" in message
    assert "gongzhi_module_that_does_not_exist" in message


def test_a_plugin_without_manifest_is_refused():
    with pytest.raises(PluginImportError, match="MANIFEST"):
        PluginManager(["no_manifest"], installed=installed_with_cases())


def test_a_misspelled_hook_implementation_fails_and_names_plugin_and_hook():
    with pytest.raises(HookImplementationError) as caught:
        PluginManager(["misspelled"], installed=installed_with_cases())
    message = str(caught.value)
    assert "misspelled" in message
    assert "register_admin_view" in message


def test_a_plugin_needing_another_core_version_is_refused():
    with pytest.raises(PluginError, match="核心版本"):
        PluginManager(["future_core"], installed=installed_with_cases())


def test_invalid_settings_name_the_exact_path():
    settings = {"example": {"max_title_length": 5, "model_villages": ["ok", 7], "colour": "红"}}
    with pytest.raises(PluginSettingsError) as caught:
        PluginManager(["example"], settings)
    assert caught.value.errors == [
        "plugins.example.colour: 未知字段（请检查拼写）",
        "plugins.example.max_title_length: 必须在 10 到 100 之间",
        "plugins.example.model_villages[1]: 必须是文本",
    ]


def test_settings_for_a_plugin_that_is_not_enabled_are_an_error():
    with pytest.raises(PluginSettingsError, match=r"plugins\.points"):
        PluginManager([], {"points": {}})


def test_enabling_a_plugin_twice_is_an_error():
    with pytest.raises(PluginError, match="重复"):
        PluginManager(["example", "example"])


def test_settings_get_their_defaults():
    manager = PluginManager(["example"])
    assert manager.settings("example") == {
        "model_villages": [],
        "title_suffix": "（示范村）",
        "max_title_length": 100,
    }


def test_plugin_order_is_dependencies_first_then_config_order():
    manager = PluginManager(
        ["needs_example", "example", "points"], installed=installed_with_cases()
    )
    assert manager.names == ["example", "needs_example", "points"]


def test_hooks_are_called_in_plugin_order(make_runtime):
    runtime = make_runtime(["needs_example", "example"], installed=installed_with_cases())
    with runtime.db.transaction() as session:
        results = runtime.plugins.hook.provide_person_summary(person_id=1, session=session)
    assert results == [[("欢迎信", "未发送")], [("依赖示例", "在示例插件之后")]]


def test_dependency_order_keeps_config_order_among_independent_plugins():
    requires = {"c": ("a",), "b": (), "a": ()}
    assert dependency_order(["c", "b", "a"], requires) == ["a", "c", "b"]


def test_two_managers_with_different_plugins_live_side_by_side():
    first = PluginManager(["example"])
    second = PluginManager([])
    assert first.is_enabled("example")
    assert not second.is_enabled("example")
    assert second.hook.register_permissions() == []
    assert len(first.hook.register_permissions()) == 1


def test_implemented_hooks_are_listed_per_plugin():
    manager = PluginManager(["example"])
    assert "register_admin_views" in manager.implemented_hooks("example")
    assert "on_event" in manager.implemented_hooks("example")


def test_a_plugin_permission_must_carry_the_plugins_name():
    installed = installed_with_cases()
    installed["bad_permission"] = EntryPoint(
        "bad_permission", "plugin_cases.bad_permission", ENTRY_POINT_GROUP
    )
    with pytest.raises(PluginError, match=re.escape("必须以 “bad_permission.” 开头")):
        PluginManager(["bad_permission"], installed=installed)


def test_a_plugin_reusing_a_model_class_name_fails_to_load_with_both_modules_named():
    installed = installed_with_cases()
    installed["clashing_model"] = EntryPoint(
        "clashing_model", "plugin_cases.clashing_model", ENTRY_POINT_GROUP
    )
    with pytest.raises(PluginImportError) as caught:
        PluginManager(["example", "clashing_model"], installed=installed)
    message = str(caught.value)
    assert "clashing_model" in message and "Suggestion" in message
    assert "gongzhi_example.models" in message
