"""What a plugin declares about itself: ``PluginManifest`` and ``Permission``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import marshmallow


class NoSettings(marshmallow.Schema):
    """Settings schema for a plugin that has no settings: any key given is an error."""

    class Meta:
        unknown = marshmallow.RAISE


@dataclasses.dataclass(frozen=True)
class Permission:
    """A permission a plugin (or core) defines, and the built-in roles that hold it by default."""

    code: str
    title: str
    roles: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class PluginManifest:
    """The one declarative place that says what a plugin is and what it contributes.

    A plugin module exposes it as ``MANIFEST``. ``name`` is the entry-point name and the table
    prefix; ``title`` is the Chinese name shown in menus; ``requires`` names other plugins that must
    be enabled too; ``requires_core`` is a version specifier (``">=0.1,<1"``); ``settings_schema``
    validates ``[plugins.NAME]`` in the deployment config and supplies defaults; ``migrations`` is
    the folder of the plugin's Alembic branch (``None`` for a plugin without tables);
    ``templates`` a folder of Jinja templates; ``hookspecs`` a module adding the plugin's own hooks;
    ``local_settings`` names the settings towns and villages may override in the admin (一村一策;
    ``None``: every top-level setting, ``()``: none).
    """

    name: str
    title: str
    version: str
    description: str = ""
    requires: tuple[str, ...] = ()
    requires_core: str = ">=0.1"
    settings_schema: type[marshmallow.Schema] = NoSettings
    migrations: Path | None = None
    templates: Path | None = None
    hookspecs: object | None = None
    local_settings: tuple[str, ...] | None = None

    def load_settings(self, raw: dict) -> dict:
        """Validate and complete ``raw`` settings; raises ``marshmallow.ValidationError``."""
        return self.settings_schema().load(raw)
