"""Manifest and hook implementations of the ``assistance`` plugin (社会救助).

Its substance (models, admin views, API, portal sections, rules) lands with its own issue; until
then it contributes only its manifest and its migration branch, and shows nothing it cannot do.
"""

from pathlib import Path

from core.manifest import NoSettings, PluginManifest

HERE = Path(__file__).resolve().parent

MANIFEST = PluginManifest(
    name="assistance",
    title="社会救助",
    version="0.1.0",
    description="低保、特困供养、临时救助与党内关爱资金：一证一书、一门受理、核对、公示、发放与复核。",
    requires_core=">=0.1,<1",
    settings_schema=NoSettings,
    migrations=HERE / "migrations",
)
