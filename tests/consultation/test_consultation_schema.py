"""The consultation migrations produce exactly the models' schema, and the plugin's hooks."""

from __future__ import annotations

from core import migrate


def test_the_consultation_migrations_produce_exactly_the_models_schema(make_runtime):
    runtime = make_runtime(["consultation"])
    assert migrate.schema_differences(runtime) == []
    rows = migrate.current(runtime)
    assert rows[-1][0] == "consultation" and rows[-1][1] == rows[-1][2] == "consultation_0002"


def test_the_plugin_declares_its_permissions_for_every_level(make_runtime):
    runtime = make_runtime(["consultation"])
    registry = runtime.plugins.permissions
    codes = {c for c in registry.permissions if c.startswith("consultation.")}
    assert codes == {
        "consultation.matter.handle",
        "consultation.matter.triage",
        "consultation.matter.evaluate",
        "consultation.deliberation.manage",
        "consultation.wish.manage",
        "consultation.figures.view",
    }
    for role in ("county_admin", "town_admin", "village_admin"):
        assert codes <= registry.granted([role])
