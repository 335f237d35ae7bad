"""Backing up and restoring a deployment's database: SQLite's online backup, or pg_dump/pg_restore.

A backup is one file. Restoring replaces the database's whole content with the backup's; the
deployment should be stopped while it runs.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from core.runtime import Runtime


class BackupError(Exception):
    """A backup or restore could not be done; the message says why, in Chinese."""


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份")
    return Path(database)


def _libpq(url: str) -> tuple[list[str], dict[str, str]]:
    """Command-line connection options and environment for pg_dump/pg_restore."""
    parsed = make_url(url)
    args = ["--dbname", parsed.database or ""]
    if parsed.host:
        args += ["--host", parsed.host]
    if parsed.port:
        args += ["--port", str(parsed.port)]
    if parsed.username:
        args += ["--username", parsed.username]
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password  # never on the command line, where ps shows it
    return args, env


def _run(tool: str, args: list[str], env: dict[str, str]) -> None:
    if shutil.which(tool) is None:
        raise BackupError(f"找不到 {tool}：请安装 PostgreSQL 客户端（Debian：postgresql-client）")
    result = subprocess.run([tool, *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{tool} 失败：{result.stderr.strip()}")


def backup(runtime: Runtime, target: Path) -> Path:
    """Write a consistent copy of the database to ``target`` while the app may keep running."""
    url = runtime.db.url
    target = Path(target)
    if target.exists():
        raise BackupError(f"备份文件 {target} 已存在，不会覆盖")
    target.parent.mkdir(parents=True, exist_ok=True)
    dialect = runtime.db.engine.dialect.name
    if dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
    elif dialect == "postgresql":
        args, env = _libpq(url)
        _run("pg_dump", ["--format=custom", "--no-owner", "--file", str(target), *args], env)
    else:
        raise BackupError(f"不支持的数据库：{dialect}")
    return target


def restore(runtime: Runtime, source: Path) -> None:
    """Replace the database's content with the backup in ``source``."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"备份文件 {source} 不存在")
    dialect = runtime.db.engine.dialect.name
    runtime.db.dispose()
    if dialect == "sqlite":
        try:
            backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            backup_db.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} 不是有效的 SQLite 备份：{exc}") from exc
        live = sqlite3.connect(_sqlite_path(runtime.db.url))
        try:
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
    elif dialect == "postgresql":
        args, env = _libpq(runtime.db.url)
        _run(
            "pg_restore",
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", *args, str(source)],
            env,
        )
    else:
        raise BackupError(f"不支持的数据库：{dialect}")
