"""Manifest and hook implementations of the ``supervision`` plugin (村务监督).

Its substance (models, admin views, API, portal sections, rules) lands with its own issue; until
then it contributes only its manifest and its migration branch, and shows nothing it cannot do.
"""

from pathlib import Path

from core.manifest import NoSettings, PluginManifest

HERE = Path(__file__).resolve().parent

MANIFEST = PluginManifest(
    name="supervision",
    title="村务监督",
    version="0.1.0",
    description="村务监督委员会：三资管理、四议两公开、村务公开、巡查与村干部评议。",
    requires_core=">=0.1,<1",
    settings_schema=NoSettings,
    migrations=HERE / "migrations",
)
