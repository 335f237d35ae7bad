"""A plugin that needs a core version that does not exist yet."""

from core.manifest import PluginManifest

MANIFEST = PluginManifest(name="future_core", title="未来", version="0.1.0", requires_core=">=9")
