"""A plugin implementing a hook name that does not exist (register_admin_view, no s)."""

from core import hookimpl
from core.manifest import PluginManifest

MANIFEST = PluginManifest(name="misspelled", title="拼错钩子", version="0.1.0")


@hookimpl
def register_admin_view(admin):
    """Misspelled: the hook is register_admin_views."""
