"""Alembic, one branch per owner: core's own and one per enabled plugin, in one version table.

``upgrade`` brings core and every enabled plugin to head; ``current`` reports each branch;
``schema_differences`` compares the migrated database with the models (it must be empty).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import core.models  # noqa: F401  (every core table on Base.metadata)
from core.db import Base
from core.runtime import Runtime

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "gongzhi_alembic_version"


def version_locations(runtime: Runtime) -> list[Path]:
    """Version folders of core and each enabled plugin that has migrations."""
    folders = [MIGRATIONS_DIR / "versions"]
    for plugin in runtime.plugins.plugins:
        if plugin.manifest.migrations is not None:
            folders.append(Path(plugin.manifest.migrations).resolve() / "versions")
    return folders


def alembic_config(runtime: Runtime) -> AlembicConfig:
    """An Alembic config for ``runtime``, built in code (no alembic.ini)."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "version_locations", os.pathsep.join(str(p) for p in version_locations(runtime))
    )
    cfg.attributes["runtime"] = runtime
    return cfg


def include_table(runtime: Runtime):
    """An ``include_object`` filter: only tables owned by core or an enabled plugin."""
    prefixes = runtime.table_prefixes

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table":
            return bool(name) and name.startswith(prefixes)
        table = getattr(obj, "table", None)
        if table is not None:
            return table.name.startswith(prefixes)
        return True

    return include


def upgrade(runtime: Runtime, target: str = "heads") -> None:
    """Migrate the database of ``runtime`` to ``target`` (default: every branch's head)."""
    runtime.db.url.startswith("sqlite") and _ensure_sqlite_folder(runtime.db.url)
    command.upgrade(alembic_config(runtime), target)


def _ensure_sqlite_folder(url: str) -> None:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def current(runtime: Runtime) -> list[tuple[str, str | None, str | None]]:
    """(branch, applied revision or ``None``, head revision) for core and each enabled plugin."""
    script = ScriptDirectory.from_config(alembic_config(runtime))
    with runtime.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        heads = context.get_current_heads()
    # The version table keeps only the graph's heads; everything below them is applied too.
    applied = {rev.revision for rev in script.revision_map.iterate_revisions(heads, "base")}
    rows = []
    for branch in ["core", *(p.name for p in runtime.plugins.plugins if p.manifest.migrations)]:
        head = script.revision_map.get_revision(f"{branch}@head")
        at = next(
            (
                rev.revision
                for rev in script.iterate_revisions(head.revision, "base")
                if rev.revision in applied
            ),
            None,
        )
        rows.append((branch, at, head.revision))
    return rows


def schema_differences(runtime: Runtime) -> list[Any]:
    """What differs between the migrated database and the models; empty when they agree."""
    with runtime.db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": include_table(runtime),
                "version_table": VERSION_TABLE,
            },
        )
        with warnings.catch_warnings():
            # SQLite cannot reflect expression indexes (the points boards' ranking indexes), so
            # they are left out of the comparison there; PostgreSQL compares them.
            warnings.filterwarnings(
                "ignore", message="Skipped unsupported reflection of expression-based index"
            )
            warnings.filterwarnings(
                "ignore", message="autogenerate skipping metadata-specified expression-based index"
            )
            return compare_metadata(context, Base.metadata)
