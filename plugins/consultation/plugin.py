"""Manifest and hook implementations of the ``consultation`` plugin (协商议事).

Its substance (models, admin views, API, portal sections, rules) lands with its own issue; until
then it contributes only its manifest and its migration branch, and shows nothing it cannot do.
"""

from pathlib import Path

from core.manifest import NoSettings, PluginManifest

HERE = Path(__file__).resolve().parent

MANIFEST = PluginManifest(
    name="consultation",
    title="协商议事",
    version="0.1.0",
    description="协商事项清单、三事分流、四办、议事协商、微心愿与群众评议。",
    requires_core=">=0.1,<1",
    settings_schema=NoSettings,
    migrations=HERE / "migrations",
)
