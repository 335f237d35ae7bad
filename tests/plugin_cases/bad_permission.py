"""A plugin declaring a permission outside its own name."""

from core import hookimpl
from core.manifest import Permission, PluginManifest

MANIFEST = PluginManifest(name="bad_permission", title="越权", version="0.1.0")


@hookimpl
def register_permissions():
    return [Permission("core.person.delete_everyone", "删除所有人", ("village_admin",))]
