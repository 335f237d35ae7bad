"""Pytest fixtures for Gongzhi and its plugins: runtimes with any plugin set on a migrated database.

Enable with ``pytest_plugins = ["core.testing"]`` in a ``conftest.py``. The database is a fresh
SQLite file per test, or, when ``GONGZHI_TEST_DATABASE_URL`` names a PostgreSQL database, that
database with its ``public`` schema emptied before each test.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from core import migrate
from core.config import parse_config
from core.identity import make_id_number
from core.models import Account, Locality, Person
from core.runtime import Runtime

TEST_DATABASE_URL_ENV = "GONGZHI_TEST_DATABASE_URL"

COUNTY = ("500243000000", "彭水苗族土家族自治县")
TREE = [
    ("500243001000", "汉葭街道"),
    ("500243001001", "城南社区"),
    ("500243001002", "长滩村"),
    ("500243101000", "保家镇"),
    ("500243101001", "中心村"),
    ("500243101002", "楠木村"),
]
"""A small locality tree under :data:`COUNTY`: two towns with two villages each."""

PASSWORD = "test-password-123"


def reset_postgres(url: str) -> None:
    """Empty the ``public`` schema of the PostgreSQL database at ``url``."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path) -> str:
    """A URL of an empty database for this test (SQLite file, or the PostgreSQL test database)."""
    url = os.environ.get(TEST_DATABASE_URL_ENV)
    if url:
        reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path / 'gongzhi.db'}"


def make_config_data(
    database_url: str,
    plugins: Sequence[str] = (),
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    **deployment: Any,
) -> dict[str, Any]:
    """Config data (as parsed TOML) for a test deployment of :data:`COUNTY`."""
    plugin_section: dict[str, Any] = {"enabled": list(plugins)}
    plugin_section.update({k: dict(v) for k, v in (settings or {}).items()})
    return {
        "deployment": {
            "name": "测试平台",
            "locality_code": COUNTY[0],
            "locality_name": COUNTY[1],
            "database_url": database_url,
            **deployment,
        },
        "plugins": plugin_section,
    }


@pytest.fixture(scope="session")
def _migrated_templates(tmp_path_factory) -> dict[Any, Path]:
    """Migrated SQLite files by plugin set, copied for each test instead of migrating again."""
    return {"dir": tmp_path_factory.mktemp("migrated")}  # type: ignore[dict-item]


@pytest.fixture
def make_runtime(
    database_url: str, _migrated_templates: dict[Any, Path]
) -> Iterator[Callable[..., Runtime]]:
    """Build a migrated :class:`Runtime` with a chosen plugin set: ``make_runtime(["points"])``."""
    made: list[Runtime] = []

    def make(
        plugins: Sequence[str] = (),
        settings: Mapping[str, Mapping[str, Any]] | None = None,
        installed: Any = None,
        migrated: bool = True,
    ) -> Runtime:
        config = parse_config(make_config_data(database_url, plugins, settings))
        if migrated and database_url.startswith("sqlite:///") and not made:
            _copy_migrated_sqlite(config, plugins, installed, _migrated_templates)
            migrated = False
        runtime = Runtime(config, installed=installed)
        made.append(runtime)
        if migrated:
            migrate.upgrade(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()


def _copy_migrated_sqlite(
    config: Any, plugins: Sequence[str], installed: Any, templates: dict[Any, Path]
) -> None:
    key = tuple((name, installed[name].value if installed else "") for name in plugins)
    template = templates.get(key)
    if template is None:
        template = templates["dir"] / f"template-{len(templates)}.db"
        template_config = parse_config(make_config_data(f"sqlite:///{template}", plugins))
        runtime = Runtime(template_config, installed=installed)
        migrate.upgrade(runtime)
        runtime.close()
        templates[key] = template
    target = Path(config.database_url.removeprefix("sqlite:///"))
    shutil.copyfile(template, target)


@pytest.fixture
def runtime(make_runtime: Callable[..., Runtime]) -> Runtime:
    """A migrated runtime with no plugins enabled."""
    return make_runtime()


def seed_tree(session: Session) -> None:
    """Add :data:`COUNTY` and :data:`TREE` to the database."""
    session.add(Locality(code=COUNTY[0], name=COUNTY[1]))
    for code, name in TREE:
        session.add(Locality(code=code, name=name))
    session.flush()


@functools.cache
def _test_password_hash() -> str:
    # Production hashing is deliberately slow; tests hash PASSWORD once, cheaply.
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def add_account(session: Session, username: str, scope_code: str, roles: Sequence[str]) -> Account:
    """Add an active account with :data:`PASSWORD`."""
    account = Account(
        username=username, display_name=username, scope_code=scope_code, roles=list(roles)
    )
    account.password_hash = _test_password_hash()
    session.add(account)
    session.flush()
    return account


def add_person(
    session: Session, name: str, locality_code: str, sequence: int, born: dt.date | None = None
) -> Person:
    """Add a resident with a valid identity number built from ``sequence``."""
    number = make_id_number(locality_code[:6], born or dt.date(1980, 1, 1), sequence)
    person = Person(name=name, id_number=number, locality_code=locality_code)
    session.add(person)
    session.flush()
    return person


@pytest.fixture
def seeded(runtime: Runtime) -> Runtime:
    """The plain runtime with the locality tree and one account per level.

    Accounts: ``county`` (county_admin at the county), ``town`` (town_admin at 汉葭街道),
    ``village`` (village_admin at 城南社区), ``neighbour`` (village_admin at 长滩村).
    """
    with runtime.db.transaction() as session:
        seed_tree(session)
        add_account(session, "county", COUNTY[0], ["county_admin"])
        add_account(session, "town", "500243001000", ["town_admin"])
        add_account(session, "village", "500243001001", ["village_admin"])
        add_account(session, "neighbour", "500243001002", ["village_admin"])
    return runtime


@contextlib.contextmanager
def serve_wsgi(app: Any, threads: int = 4) -> Iterator[str]:
    """Serve a WSGI ``app`` with waitress on a free loopback port; yields its base URL."""
    import waitress
    from waitress import wasyncore

    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Close the sockets from inside the server's own loop, which then ends for lack of
        # sockets; closing them from here would pull them from under a running select().
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()
