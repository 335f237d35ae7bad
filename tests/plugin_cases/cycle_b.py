"""Part of a dependency cycle."""

from core.manifest import PluginManifest

MANIFEST = PluginManifest(name="cycle_b", title="乙", version="0.1.0", requires=("cycle_c",))
