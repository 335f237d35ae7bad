"""``Runtime``: one deployment brought to life — config, enabled plugins and database together.

The host app and the CLI each build one; tests build as many as they like side by side.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from core import audit, coverage, settings
from core.config import Config
from core.db import Database
from core.plugin_manager import PluginManager


class Runtime:
    """A configured deployment: ``config``, ``plugins`` (the plugin manager) and ``db``.

    Every session made by ``db`` carries ``info["plugins"]`` and ``info["runtime"]``, so
    services such as :func:`core.events.emit` reach the plugins without globals, and every flush
    is audited.
    """

    def __init__(
        self,
        config: Config,
        installed: Mapping[str, importlib.metadata.EntryPoint] | None = None,
    ) -> None:
        self.config = config
        self.plugins = PluginManager(
            config.enabled_plugins,
            config.plugin_settings,
            installed,
            config.role_grants,
            config.coverage,
        )
        self.db = Database(config.database_url, {"plugins": self.plugins, "runtime": self})
        audit.install(self.db.factory)
        coverage.install_guard(self.db.factory)
        settings.install(self.db.factory)

    @property
    def table_prefixes(self) -> tuple[str, ...]:
        """Prefixes of the tables this deployment owns: core's and each enabled plugin's."""
        return ("core_", *(f"{name}_" for name in self.plugins.names))

    def ensure_root_locality(self) -> bool:
        """Add the deployment's own locality (from the config) if missing; ``True`` if added.

        Every account and record hangs below it, so the CLI creates it with the tables.
        """
        from core.models import Locality

        config = self.config
        with self.db.transaction(actor="system:setup", channel="cli") as session:
            if session.get(Locality, config.locality_code) is not None:
                return False
            session.add(Locality(code=config.locality_code, name=config.locality_name))
        return True

    def close(self) -> None:
        """Release database connections."""
        self.db.dispose()


def plugin_settings(
    session: Session, name: str, locality_code: str | None = None
) -> dict[str, Any]:
    """The validated settings of plugin ``name``, from any session made by a runtime.

    With ``locality_code``, the settings in force there: the config's values overridden by the
    nearest town or village override up the tree (一村一策, see :mod:`core.settings`). Without it,
    the county's settings from the config.
    """
    if locality_code is None:
        return session.info["plugins"].settings(name)
    return settings.effective_settings(session, name, locality_code)
