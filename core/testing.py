"""Pytest fixtures for Gongzhi and its plugins: a deployment with any plugin set on a migrated
database, its Flask app, and test clients logged in as county, town and village staff.

This module is a pytest plugin, registered through the ``pytest11`` entry point ``core.testing``
of the ``gongzhi`` distribution: any test run in an environment where Gongzhi is installed gets
the fixtures with no ``conftest.py``. (Listing it in ``pytest_plugins = ["core.testing"]`` still
works and is harmless: pytest then finds it already registered under that name.)

For plugin authors (see docs/testing.md):

- ``@pytest.mark.gongzhi_plugins("consultation", "compact", settings={"compact": {...}})``
  chooses the enabled plugins and their settings for a test, a class or a module
  (``pytestmark``); without the marker, the fixtures ``gongzhi_plugins`` and
  ``gongzhi_settings`` give them (override them in a ``conftest.py`` for a whole folder; both
  default to none).
- ``gongzhi_runtime``: a :class:`~core.runtime.Runtime` with those plugins, migrated, holding the
  locality tree (:data:`COUNTY`, :data:`TREE`) and one account per role (:data:`ACCOUNTS`:
  ``county``, ``town``, ``village`` and ``neighbour``, the neighbouring village), all with
  :data:`PASSWORD`.
- ``gongzhi_app``: the Flask app of that runtime (``hostapp.create_app``, ``TESTING`` on, CSRF
  protection left on).
- ``client_as("village_admin")`` (or ``"county_admin"``, ``"town_admin"``, ``"neighbour"``, or any
  username): a Flask test client logged in through the real login form.
- ``api_client_as("town_admin")``: a Flask test client sending that account's API bearer token
  with every request.
- Helpers: :func:`csrf_token`, :func:`submit`, :func:`login`, :func:`logged_in`,
  :func:`api_token`, :func:`bearer`, :func:`flashes`, :func:`input_value`, :func:`principal`,
  :func:`seed_tree`, :func:`seed_accounts`, :func:`add_account`, :func:`add_person`.

Lower-level fixtures, used by Gongzhi's own suite: ``database_url``, ``make_runtime``, ``runtime``
and ``seeded``, and :func:`serve_wsgi` for tests over real HTTP.

The database is a fresh SQLite file per test (copied from a migrated template per plugin set, so
migrating costs once per session), or, when ``GONGZHI_TEST_DATABASE_URL`` names a PostgreSQL
database, that database with its ``public`` schema emptied before each test.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import html
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from core import migrate
from core.config import parse_config
from core.identity import make_id_number
from core.models import Account, Locality, Person
from core.runtime import Runtime

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

    from core.security import Principal

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

TOWN = "500243001000"
"""汉葭街道, the town of :data:`VILLAGE` and :data:`NEIGHBOUR`."""
VILLAGE = "500243001001"
"""城南社区, the village of the ``village`` account."""
NEIGHBOUR = "500243001002"
"""长滩村, the neighbouring village in the same town (the ``neighbour`` account)."""
OTHER_TOWN = "500243101000"
"""保家镇, a town outside the ``town`` account's scope."""

PASSWORD = "test-password-123"
"""The password of every account the fixtures and :func:`add_account` create."""

ACCOUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "county": (COUNTY[0], ("county_admin",)),
    "town": (TOWN, ("town_admin",)),
    "village": (VILLAGE, ("village_admin",)),
    "neighbour": (NEIGHBOUR, ("village_admin",)),
}
"""The accounts of ``seeded`` and ``gongzhi_runtime``: username → (scope code, roles)."""

ROLE_ACCOUNTS = {"county_admin": "county", "town_admin": "town", "village_admin": "village"}
"""Which of :data:`ACCOUNTS` :func:`client_as` and :func:`api_client_as` use for a role name."""

MARKER = "gongzhi_plugins"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``gongzhi_plugins`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*names, settings=None): the plugins enabled in gongzhi_runtime, gongzhi_app, "
        "client_as and api_client_as, with their settings ({name: {key: value}}).",
    )


# --- databases and runtimes --------------------------------------------------------------------


def reset_postgres(url: str) -> None:
    """Empty the ``public`` schema of the PostgreSQL database at ``url``."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@dataclasses.dataclass(frozen=True)
class _PostgresSchema:
    """What a PostgreSQL test database held right after :func:`make_runtime` migrated it."""

    key: tuple[Any, ...]
    tables: frozenset[str]
    """Table names, and index names prefixed ``index:``."""
    versions: frozenset[str]


_POSTGRES_MIGRATED: dict[str, _PostgresSchema] = {}
"""By URL: the schema last migrated there, emptied and reused by the next test with the same
plugins."""


def _postgres_schema(url: str) -> tuple[frozenset[str], frozenset[str]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        tables = frozenset(
            connection.scalars(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ).all()
        )
        # Indexes too: a test that adds or drops one changes the schema as much as a table.
        indexes = frozenset(
            connection.scalars(
                text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
            ).all()
        )
        versions: frozenset[str] = frozenset()
        if migrate.VERSION_TABLE in tables:
            versions = frozenset(
                connection.scalars(text(f"SELECT version_num FROM {migrate.VERSION_TABLE}")).all()
            )
    engine.dispose()
    return tables | {f"index:{name}" for name in indexes}, versions


def _reuse_postgres(url: str, key: tuple[Any, ...]) -> bool:
    """Empty the tables of a database migrated for the same plugins; ``False`` if it differs.

    Migrating from scratch takes seconds per test; emptying the tables takes milliseconds. The
    check of tables and versions notices a test that changed the schema, which then costs a reset.
    """
    known = _POSTGRES_MIGRATED.pop(url, None)
    if known is None or known.key != key:
        return False
    tables, versions = _postgres_schema(url)
    if (tables, versions) != (known.tables, known.versions):
        return False
    data_tables = sorted(
        name for name in tables if name != migrate.VERSION_TABLE and not name.startswith("index:")
    )
    if data_tables:
        engine = create_engine(url)
        with engine.begin() as connection:
            names = ", ".join(f'"{name}"' for name in data_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()
    _POSTGRES_MIGRATED[url] = known
    return True


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database for this test (SQLite file, or the PostgreSQL test database)."""
    url = os.environ.get(TEST_DATABASE_URL_ENV)
    if url:
        if "make_runtime" not in request.fixturenames:
            # make_runtime empties the database itself, reusing a migrated schema when it can.
            _POSTGRES_MIGRATED.pop(url, None)
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
        key = tuple((name, installed[name].value if installed else "") for name in plugins)
        postgres = database_url.startswith("postgresql")
        if migrated and database_url.startswith("sqlite:///") and not made:
            _copy_migrated_sqlite(config, plugins, installed, _migrated_templates)
            migrated = False
        elif postgres and not made:
            if migrated and _reuse_postgres(database_url, key):
                migrated = False
            else:
                _POSTGRES_MIGRATED.pop(database_url, None)
                reset_postgres(database_url)
        elif postgres:
            _POSTGRES_MIGRATED.pop(database_url, None)  # a second runtime may migrate more
        runtime = Runtime(config, installed=installed)
        made.append(runtime)
        if migrated:
            migrate.upgrade(runtime)
            if postgres and len(made) == 1:
                tables, versions = _postgres_schema(database_url)
                _POSTGRES_MIGRATED[database_url] = _PostgresSchema(key, tables, versions)
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


def seed_accounts(session: Session) -> None:
    """Add the accounts of :data:`ACCOUNTS` (the localities must exist: :func:`seed_tree`)."""
    for username, (scope_code, roles) in ACCOUNTS.items():
        add_account(session, username, scope_code, roles)


def add_person(
    session: Session, name: str, locality_code: str, sequence: int, born: dt.date | None = None
) -> Person:
    """Add a resident with a valid identity number built from ``sequence``."""
    number = make_id_number(locality_code[:6], born or dt.date(1980, 1, 1), sequence)
    person = Person(name=name, id_number=number, locality_code=locality_code)
    session.add(person)
    session.flush()
    return person


def principal(runtime: Runtime, session: Session, who: str) -> Principal:
    """The acting principal (roles and scope) of an account, by username or role name.

    ``who`` is resolved like :func:`account_username`; the principal is what workflows
    (``workflow.apply(record, "accept", principal(...), session)``) and scoped services expect.
    """
    username = account_username(who)
    account = session.scalar(select(Account).where(Account.username == username))
    if account is None:
        raise LookupError(f"没有用户名为 {username} 的账号")
    return runtime.plugins.permissions.principal(account)


@pytest.fixture
def seeded(runtime: Runtime) -> Runtime:
    """The plain runtime with the locality tree and one account per level.

    Accounts: ``county`` (county_admin at the county), ``town`` (town_admin at 汉葭街道),
    ``village`` (village_admin at 城南社区), ``neighbour`` (village_admin at 长滩村).
    """
    with runtime.db.transaction() as session:
        seed_tree(session)
        seed_accounts(session)
    return runtime


# --- choosing plugins ----------------------------------------------------------------------------


@pytest.fixture
def gongzhi_plugins() -> Sequence[str]:
    """The plugins enabled by default in ``gongzhi_runtime``: none. Override it in a conftest.py
    (``return ["consultation", "compact"]``); a ``gongzhi_plugins`` marker on a test takes
    precedence."""
    return ()


@pytest.fixture
def gongzhi_settings() -> Mapping[str, Mapping[str, Any]]:
    """The plugins' settings by default in ``gongzhi_runtime`` (``{name: {key: value}}``): none.
    Override it in a conftest.py; the marker's ``settings=`` takes precedence."""
    return {}


def _chosen_plugins(
    request: pytest.FixtureRequest,
    plugins: Sequence[str],
    settings: Mapping[str, Mapping[str, Any]],
) -> tuple[tuple[str, ...], Mapping[str, Mapping[str, Any]]]:
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return tuple(plugins), settings
    unknown = set(marker.kwargs) - {"settings"}
    if unknown:
        pytest.fail(
            f"标记 {MARKER} 只接受参数 settings，不认识：{', '.join(sorted(unknown))}",
            pytrace=False,
        )
    names = marker.args
    if len(names) == 1 and isinstance(names[0], list | tuple):
        names = tuple(names[0])
    for name in names:
        if not isinstance(name, str):
            pytest.fail(f"标记 {MARKER} 的插件名必须是字符串：{name!r}", pytrace=False)
    return tuple(names), marker.kwargs.get("settings") or {}


@pytest.fixture
def gongzhi_runtime(
    request: pytest.FixtureRequest,
    make_runtime: Callable[..., Runtime],
    gongzhi_plugins: Sequence[str],
    gongzhi_settings: Mapping[str, Mapping[str, Any]],
) -> Runtime:
    """A migrated deployment with the chosen plugins, the locality tree and :data:`ACCOUNTS`."""
    plugins, settings = _chosen_plugins(request, gongzhi_plugins, gongzhi_settings)
    runtime = make_runtime(plugins, settings=settings)
    with runtime.db.transaction() as session:
        seed_tree(session)
        seed_accounts(session)
    return runtime


# --- the web app and its clients -----------------------------------------------------------------


class _SharedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory for every app of the test process.

    Each ``create_app`` has its own Jinja environment, which would compile Flask-Admin's large
    templates again for every test; Jinja checks each template's source checksum on load, so
    sharing the compiled code changes nothing but the time.
    """

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _SharedBytecodeCache()


def make_app(runtime: Runtime) -> Flask:
    """``hostapp.create_app(runtime)``, sharing compiled templates with the other test apps."""
    from hostapp import create_app

    app = create_app(runtime)
    app.jinja_env.bytecode_cache = _TEMPLATES
    return app


@pytest.fixture
def gongzhi_app(gongzhi_runtime: Runtime) -> Flask:
    """The Flask app of ``gongzhi_runtime``, in testing mode (errors propagate, CSRF stays on)."""
    app = make_app(gongzhi_runtime)
    app.config["TESTING"] = True
    return app


def account_username(who: str) -> str:
    """The username for ``who``: a role of :data:`ROLE_ACCOUNTS` (``"village_admin"`` →
    ``"village"``), or a username as it is (``"neighbour"``, or an account a test added)."""
    return ROLE_ACCOUNTS.get(who, who)


@pytest.fixture
def client_as(gongzhi_app: Flask) -> Callable[[str], FlaskClient]:
    """A factory of test clients logged in through the login form:
    ``client_as("village_admin")``, ``client_as("neighbour")``, ``client_as("someone")``."""

    def make(who: str) -> FlaskClient:
        return logged_in(gongzhi_app, account_username(who))

    return make


@pytest.fixture
def api_client_as(gongzhi_app: Flask) -> Callable[[str], FlaskClient]:
    """A factory of test clients that send an account's API bearer token with every request:
    ``api_client_as("town_admin").get("/api/v1/localities")``."""

    def make(who: str) -> FlaskClient:
        client = gongzhi_app.test_client()
        token = api_token(client, account_username(who))
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client

    return make


_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([\w-]+)\s*=\s*"([^"]*)"')


def input_value(page: str, name: str) -> str | None:
    """The ``value`` of the first ``<input name=...>`` on ``page`` (HTML-unescaped)."""
    for tag in _INPUT.findall(page):
        attributes = dict(_ATTRIBUTE.findall(tag))
        if attributes.get("name") == name:
            return html.unescape(attributes.get("value", ""))
    return None


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """Open ``url`` as a browser would and return the CSRF token of its form."""
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    token = input_value(response.get_data(as_text=True), "csrf_token")
    assert token, f"no csrf_token field on {url}"
    return token


def login(
    client: FlaskClient, username: str, password: str = PASSWORD, next_url: str | None = None
) -> Any:
    """Log in through the login form (with its CSRF token); returns the POST's response."""
    url = "/login" if next_url is None else f"/login?next={next_url}"
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token, "username": username, "password": password})


def logged_in(app: Flask, username: str) -> FlaskClient:
    """A fresh test client logged in as ``username``."""
    client = app.test_client()
    response = login(client, username)
    assert response.status_code == 302, f"login as {username} failed: {response.status_code}"
    return client


def submit(client: FlaskClient, form_url: str, data: dict[str, Any], action: str | None = None):
    """Open the page at ``form_url``, take its CSRF token and post ``data`` to ``action``.

    ``action`` defaults to ``form_url`` itself (the usual create and edit pages).
    """
    token = csrf_token(client, form_url)
    return client.post(action or form_url, data={"csrf_token": token, **data})


def api_token(client: FlaskClient, username: str, password: str = PASSWORD) -> str:
    """A bearer token for ``username`` from ``POST /api/v1/tokens``."""
    response = client.post("/api/v1/tokens", json={"username": username, "password": password})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["token"]


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def flashes(page: str) -> list[str]:
    """The texts of the flash messages (Bootstrap alerts) on an admin page."""
    found = re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', page, re.DOTALL)
    texts = (html.unescape(re.sub(r"<[^>]+>", "", text)).replace("×", "") for text in found)
    return [re.sub(r"\s+", " ", text).strip() for text in texts]


@contextlib.contextmanager
def serve_wsgi(app: Any, threads: int = 4, **options: Any) -> Iterator[str]:
    """Serve a WSGI ``app`` with waitress on a free loopback port; yields its base URL.

    ``options`` go to :func:`waitress.create_server` as they are (``trusted_proxy`` and the
    like, as :func:`hostapp.cli.waitress_options` gives them). On leaving, the server stops and
    closes every socket it opened; one that does not stop within five seconds fails the test.
    """
    import waitress
    from waitress import wasyncore

    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads, **options)
    stopping = threading.Event()

    def run() -> None:
        # waitress's loop in rounds of at most 50 ms, looking at ``stopping`` in between, and
        # the sockets closed from this same thread at the end: closed from another thread they
        # would be pulled from under a running select(). Stopping so does not depend on
        # waking the loop through the server's trigger pipe.
        try:
            while server._map and not stopping.is_set():
                wasyncore.loop(timeout=0.05, map=server._map, count=1)
        finally:
            wasyncore.close_all(server._map, ignore_all=True)

    thread = threading.Thread(target=run, name="serve_wsgi", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()
    assert not thread.is_alive(), "the test server did not stop within five seconds"
