"""Requires cycle_b, which requires cycle_c, which requires cycle_a."""

from core.manifest import PluginManifest

MANIFEST = PluginManifest(name="cycle_a", title="甲", version="0.1.0", requires=("cycle_b",))
