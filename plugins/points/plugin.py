"""Manifest and hook implementations of the ``points`` plugin (积分制).

Its substance (models, admin views, API, portal sections, rules) lands with its own issue; until
then it contributes only its manifest and its migration branch, and shows nothing it cannot do.
"""

from pathlib import Path

from core.manifest import NoSettings, PluginManifest

HERE = Path(__file__).resolve().parent

MANIFEST = PluginManifest(
    name="points",
    title="积分制",
    version="0.1.0",
    description="积分细则、积分台账、爱心超市、积分排行与双指数（堡垒指数、先锋指数）。",
    requires_core=">=0.1,<1",
    settings_schema=NoSettings,
    migrations=HERE / "migrations",
)
