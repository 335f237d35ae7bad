"""Hostile access: guessing passwords from one address, the published demo password on a real
deployment, and residents' identity numbers leaking into addresses or logs (issue 7)."""

from __future__ import annotations

import ast
import concurrent.futures
import datetime as dt
import html
import json
import logging
import re
import types
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner
from flask import Flask
from helpers import csrf_token, flashes, logged_in, login, make_app, submit
from sqlalchemy import select, text

from core.config import load_config, parse_config
from core.demo import DEMO_PASSWORD
from core.identity import make_id_number, mask_id_number
from core.models import Account, AuditEntry
from core.runtime import Runtime
from core.testing import COUNTY, PASSWORD, add_person, make_config_data, serve_wsgi
from hostapp.auth import (
    MAX_FAILURES_PER_CLIENT,
    ClientThrottle,
    LoginThrottled,
    client_address,
)
from hostapp.cli import main
from hostapp.privacy import identity_numbers_in

REPO = Path(__file__).resolve().parent.parent
VILLAGE = "500243001001"  # 城南社区
NEIGHBOUR = "500243001002"  # 长滩村
LOGGERS = ("", "werkzeug", "waitress", "flask_admin", "sqlalchemy.engine", "hostapp", "core")


def page(response) -> str:
    return response.get_data(as_text=True)


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- Throttling per client address -----------------------------------------------------------


def test_a_client_with_twenty_failed_logins_waits_until_the_oldest_failure_ages_out():
    clock = FakeClock()
    throttle = ClientThrottle(max_failures=20, window=900, clock=clock)
    for _ in range(20):
        throttle.reserve("203.0.113.7")
        throttle.settle("203.0.113.7", failed=True)
        clock.now += 10
    with pytest.raises(LoginThrottled) as refused:
        throttle.reserve("203.0.113.7")
    # The first failure was at 1000, the clock is at 1200: it ages out at 1900.
    assert refused.value.retry_after == 700
    assert refused.value.message == "登录失败次数过多，请 12 分钟后再试"
    throttle.reserve("198.51.100.1")  # another address is not affected
    throttle.settle("198.51.100.1", failed=False)

    clock.now = 1900
    throttle.reserve("203.0.113.7")  # one failure has aged out: one more attempt
    throttle.settle("203.0.113.7", failed=True)
    with pytest.raises(LoginThrottled):
        throttle.reserve("203.0.113.7")


def test_attempts_still_being_checked_count_against_the_allowance():
    throttle = ClientThrottle(max_failures=3, window=900, clock=FakeClock())
    for _ in range(3):
        throttle.reserve("203.0.113.7")  # three parallel requests, none finished yet
    with pytest.raises(LoginThrottled):
        throttle.reserve("203.0.113.7")
    throttle.settle("203.0.113.7", failed=False)
    throttle.reserve("203.0.113.7")  # a successful one frees its slot


def test_successful_logins_neither_use_up_nor_reset_the_allowance():
    throttle = ClientThrottle(max_failures=3, window=900, clock=FakeClock())
    for _ in range(2):
        throttle.reserve("office")
        throttle.settle("office", failed=True)
    for _ in range(10):
        throttle.reserve("office")
        throttle.settle("office", failed=False)
    assert throttle.failures("office") == 2
    throttle.reserve("office")
    throttle.settle("office", failed=True)
    with pytest.raises(LoginThrottled):
        throttle.reserve("office")


def test_a_flood_of_addresses_cannot_grow_the_table_without_bound():
    clock = FakeClock()
    throttle = ClientThrottle(max_failures=5, window=900, max_clients=100, clock=clock)
    for n in range(1000):
        throttle.reserve(f"10.0.{n // 256}.{n % 256}")
        throttle.settle(f"10.0.{n // 256}.{n % 256}", failed=True)
    assert len(throttle._clients) <= 101
    clock.now += 901
    throttle.reserve("10.9.9.9")
    assert len(throttle._clients) == 1, "addresses with nothing left to count are forgotten"


@pytest.mark.parametrize(
    ("remote", "counted_as"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
    ],
)
def test_clients_are_counted_by_address_and_ipv6_subscribers_by_their_slash_64(remote, counted_as):
    app = Flask(__name__)
    with app.test_request_context("/login", environ_base={"REMOTE_ADDR": remote}):
        assert client_address() == counted_as


@pytest.fixture
def county(seeded):
    """The seeded county with one resident in each of two neighbouring villages."""
    with seeded.db.transaction() as session:
        own = add_person(session, "张三", VILLAGE, 11)
        neighbour = add_person(session, "李四", NEIGHBOUR, 13)
        ids = types.SimpleNamespace(own=own.id, neighbour=neighbour.id)
        numbers = types.SimpleNamespace(own=own.id_number, neighbour=neighbour.id_number)
    return types.SimpleNamespace(runtime=seeded, app=make_app(seeded), ids=ids, numbers=numbers)


def test_spraying_guesses_over_many_usernames_from_one_address_is_slowed(county):
    client = county.app.test_client()
    names = ["village", "town", "nobody", "admin", "root"]
    for n in range(MAX_FAILURES_PER_CLIENT):
        response = login(client, names[n % len(names)], password=f"guess-{n}-2026")
        assert response.status_code == 401, n
    # No account has reached its own lock (4 failures each at most), yet this address is held off.
    response = login(client, "county")  # even with the right password
    assert response.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试" in page(response)
    assert int(response.headers["Retry-After"]) > 14 * 60
    # The API's token endpoint counts the same failures.
    response = client.post("/api/v1/tokens", json={"username": "county", "password": PASSWORD})
    assert response.status_code == 429
    assert response.get_json()["message"] == "登录失败次数过多，请 15 分钟后再试"
    assert "Retry-After" in response.headers

    # Staff at another address are not affected.
    elsewhere = county.app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert login(elsewhere, "village").status_code == 302
    with county.runtime.db.transaction() as session:
        assert (
            session.scalar(select(Account.locked_until).where(Account.username == "county")) is None
        )


def test_password_guesses_through_the_api_alone_are_slowed_too(county):
    client = county.app.test_client()
    for n in range(MAX_FAILURES_PER_CLIENT):
        response = client.post(
            "/api/v1/tokens", json={"username": f"user{n}", "password": "wrong-password"}
        )
        assert response.status_code == 401
    response = client.post("/api/v1/tokens", json={"username": "county", "password": PASSWORD})
    assert response.status_code == 429
    assert login(client, "county").status_code == 429, "and the login page too"


def test_parallel_guesses_over_real_http_get_exactly_the_allowance(county):
    """Under waitress with several threads, a burst of simultaneous guesses from one address gets
    no more password checks than the allowance."""
    attempts = MAX_FAILURES_PER_CLIENT * 2

    def guess(n: int, url: str) -> int:
        body = json.dumps({"username": f"nobody{n}", "password": "wrong-password"}).encode()
        request = urllib.request.Request(
            f"{url}/api/v1/tokens", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code

    with (
        serve_wsgi(county.app, threads=8) as url,
        concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool,
    ):
        statuses = list(pool.map(lambda n: guess(n, url), range(attempts)))
    assert statuses.count(401) == MAX_FAILURES_PER_CLIENT
    assert statuses.count(429) == attempts - MAX_FAILURES_PER_CLIENT


@pytest.mark.parametrize("behind_proxy", [True, False])
def test_behind_a_trusted_proxy_each_client_address_has_its_own_allowance(county, behind_proxy):
    """``gongzhi serve --trusted-proxy``: clients are told apart by the proxy's X-Forwarded-For;
    without the option that header is anyone's to write and is ignored."""
    from hostapp.cli import waitress_options

    options = waitress_options(4, "127.0.0.1" if behind_proxy else None)

    def guess(url: str, client: str) -> int:
        body = json.dumps({"username": "nobody", "password": "wrong-password"}).encode()
        headers = {"Content-Type": "application/json", "X-Forwarded-For": client}
        request = urllib.request.Request(f"{url}/api/v1/tokens", data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code

    with serve_wsgi(county.app, **options) as url:
        spent = [guess(url, "203.0.113.5") for _ in range(MAX_FAILURES_PER_CLIENT + 1)]
        other = guess(url, "198.51.100.7")
    assert spent.count(401) == MAX_FAILURES_PER_CLIENT and spent[-1] == 429
    assert other == (401 if behind_proxy else 429)


# --- No known password outside the demo ------------------------------------------------------


def _sets_a_password(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        return name in ("Account", "set_password")
    if isinstance(node, ast.Assign):
        return any(getattr(target, "attr", None) == "password_hash" for target in node.targets)
    return False


def _modules_that_set_passwords() -> set[str]:
    """Modules that construct an ``Account`` or write a password (hash) into one."""
    return {
        str(path.relative_to(REPO))
        for folder in ("core", "hostapp", "plugins")
        for path in (REPO / folder).rglob("*.py")
        if any(_sets_a_password(node) for node in ast.walk(ast.parse(path.read_text("utf-8"))))
    }


def test_only_the_demo_the_cli_the_admin_and_test_fixtures_create_accounts_or_set_passwords():
    # Each of these is reviewed: the demo uses DEMO_PASSWORD (demo deployments only), the CLI
    # generates a random password, the admin takes the one an administrator types, and
    # core.testing serves the test suite. A new place must be reviewed and added here.
    assert _modules_that_set_passwords() == {
        "core/models/account.py",  # Account.set_password itself
        "core/demo.py",
        "core/testing.py",
        "hostapp/cli.py",
        "hostapp/admin/core_views.py",
    }
    literal = re.compile(re.escape(DEMO_PASSWORD))
    holders = {
        str(path.relative_to(REPO))
        for folder in ("core", "hostapp", "plugins")
        for path in (REPO / folder).rglob("*.py")
        if literal.search(path.read_text(encoding="utf-8"))
    }
    assert holders == {"core/demo.py"}, "the demo password is spelled out nowhere else"


def test_init_account_create_upgrade_and_imports_leave_no_account_with_a_known_password(
    tmp_path, database_url
):
    config = tmp_path / "county.toml"

    def gongzhi(*args: str) -> str:
        result = CliRunner().invoke(main, ["--config", str(config), *args])
        assert result.exit_code == 0, result.output
        return result.output

    printed = re.findall(
        r"密码：([A-Za-z0-9]{16,})",
        gongzhi(
            "init",
            "--name",
            "测试县平台",
            "--locality-code",
            COUNTY[0],
            "--locality-name",
            COUNTY[1],
            "--database-url",
            database_url,
        ),
    )
    localities = tmp_path / "localities.csv"
    localities.write_text("代码,名称\n500243001000,汉葭街道\n500243001001,城南社区\n", "utf-8")
    gongzhi("import", "localities", str(localities))
    number = make_id_number("500243", dt.date(1980, 1, 1), 11)
    persons = tmp_path / "persons.csv"
    persons.write_text(f"姓名,身份证号,行政区划代码\n张三,{number},500243001001\n", "utf-8")
    gongzhi("import", "persons", str(persons))
    gongzhi("db", "upgrade")
    for username in ("baojia", "chengnan"):
        printed += re.findall(
            r"密码：([A-Za-z0-9]{16,})",
            gongzhi(
                "account", "create", username, "--name", "管理员", "--role", "town_admin",
                "--scope", "500243001000",
            ),
        )  # fmt: skip

    assert len(printed) == 3 and len(set(printed)) == 3, "each account gets its own password"
    assert all(len(password) >= 16 for password in printed)
    runtime = Runtime(load_config(config))
    try:
        with runtime.db.transaction() as session:
            accounts = list(session.scalars(select(Account)))
            assert {a.username for a in accounts} == {"admin", "baojia", "chengnan"}
            for account in accounts:
                assert not account.check_password(DEMO_PASSWORD)
                assert not account.check_password(PASSWORD)
                assert not account.check_password("")
    finally:
        runtime.close()


def test_a_deployment_that_is_not_a_demo_refuses_the_demo_password(county):
    """A demo database put to real use (``demo = false``): its accounts still hold the published
    password, which must not open the admin or the API. A new password does."""
    with county.runtime.db.transaction() as session:
        village = session.scalar(select(Account).where(Account.username == "village"))
        village.set_password(DEMO_PASSWORD)  # as ``gongzhi demo`` sets it
    assert county.runtime.config.demo is False

    client = county.app.test_client()
    response = login(client, "village", password=DEMO_PASSWORD)
    assert response.status_code == 401
    assert "该账号仍在使用公开的演示密码" in page(response)
    assert "gongzhi account create" in page(response)
    response = client.post(
        "/api/v1/tokens", json={"username": "village", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 401
    assert "公开的演示密码" in response.get_json()["message"]
    assert client.get("/admin/").status_code == 302, "not logged in"

    # Once the account has a password of its own, it logs in again.
    with county.runtime.db.transaction() as session:
        village = session.scalar(select(Account).where(Account.username == "village"))
        village.set_password("a-fresh-password-2026")
    assert login(county.app.test_client(), "village", "a-fresh-password-2026").status_code == 302


def test_a_county_administrator_replaces_the_demo_password_in_the_admin(county):
    with county.runtime.db.transaction() as session:
        village = session.scalar(select(Account).where(Account.username == "village"))
        village.set_password(DEMO_PASSWORD)
        village_id = village.id
    admin = logged_in(county.app, "county")
    form = {
        "username": "village",
        "display_name": "village",
        "roles": "village_admin",
        "scope": VILLAGE,
        "is_active": "y",
    }
    edit = f"/admin/account/edit/?id={village_id}"
    response = submit(admin, edit, {**form, "new_password": "a-fresh-password-2026"})
    assert response.status_code == 302, flashes(page(response))
    assert login(county.app.test_client(), "village", "a-fresh-password-2026").status_code == 302
    # Setting the demo password again does not open the door either.
    submit(admin, edit, {**form, "new_password": DEMO_PASSWORD})
    assert login(county.app.test_client(), "village", DEMO_PASSWORD).status_code == 401


def test_a_demo_deployment_lets_the_demo_accounts_in(seeded, database_url):
    with seeded.db.transaction() as session:
        village = session.scalar(select(Account).where(Account.username == "village"))
        village.set_password(DEMO_PASSWORD)
    demo = Runtime(parse_config(make_config_data(database_url, demo=True)))
    try:
        app = make_app(demo)
        assert login(app.test_client(), "village", password=DEMO_PASSWORD).status_code == 302
        response = app.test_client().post(
            "/api/v1/tokens", json={"username": "village", "password": DEMO_PASSWORD}
        )
        assert response.status_code == 201
    finally:
        demo.close()


# --- Identity numbers never in addresses or logs ---------------------------------------------


@pytest.fixture
def debug_logs(caplog) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record at DEBUG, from the root and the web stack's own loggers (SQL included)."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog


def formatted(caplog: pytest.LogCaptureFixture) -> str:
    """The test's log records as a log file would hold them, tracebacks included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    records = caplog.get_records("setup") + caplog.get_records("call")
    assert records, "logging at DEBUG records something"
    return "\n".join(formatter.format(record) for record in records)


_LINKS = re.compile(r'(?:href|src|action)\s*=\s*"([^"]*)"', re.IGNORECASE)


class Browser:
    """A test client that follows redirects itself and writes down every address involved:
    those it requests, every ``Location`` header and every link, image and form target on the
    pages it receives."""

    def __init__(self, client) -> None:
        self.client = client
        self.addresses: list[str] = []

    def _record(self, url: str, response) -> str:
        self.addresses.append(url)
        if "Location" in response.headers:
            self.addresses.append(response.headers["Location"])
        text = page(response)
        self.addresses += [html.unescape(link) for link in _LINKS.findall(text)]
        return text

    def open(self, url: str, data: dict | None = None) -> tuple[int, str]:
        """GET ``url`` (or POST ``data``), following redirects; the last status and page."""
        response = self.client.post(url, data=data) if data is not None else self.client.get(url)
        text = self._record(url, response)
        while response.status_code in (301, 302, 303):
            url = response.headers["Location"]
            response = self.client.get(url)
            text = self._record(url, response)
        return response.status_code, text

    def leaked(self, *numbers: str) -> list[str]:
        """Addresses (decoded) that hold any of ``numbers``."""
        decoded = [urllib.parse.unquote_plus(a) for a in self.addresses]
        return [a for a in decoded if any(n in a for n in numbers)]


def test_finding_a_resident_by_identity_number_keeps_the_number_out_of_addresses_and_logs(
    county, debug_logs
):
    browser = Browser(logged_in(county.app, "county"))
    status, listing = browser.open("/admin/person/")
    assert status == 200
    assert 'name="id_number"' in listing and "按身份证号查找" in listing
    token = csrf_token(browser.client, "/admin/person/")

    status, details = browser.open(
        "/admin/person/lookup/", {"csrf_token": token, "id_number": county.numbers.own}
    )
    assert status == 200
    assert "张三" in details
    assert county.numbers.own in details, "the county admin may see the full number on the page"
    assert f"/admin/person/details/?id={county.ids.own}&url=/admin/person/" in (
        browser.addresses
    ), "the lookup answers with the resident's details page, by record id"

    # Surrounding spaces: the lookup normalises like every other input.
    status, _ = browser.open(
        "/admin/person/lookup/", {"csrf_token": token, "id_number": f" {county.numbers.own} "}
    )
    assert status == 200
    assert browser.leaked(county.numbers.own) == []
    assert county.numbers.own not in formatted(debug_logs)


def test_a_village_admin_cannot_find_a_neighbouring_villages_resident_by_identity_number(
    county, debug_logs
):
    browser = Browser(logged_in(county.app, "village"))
    token = csrf_token(browser.client, "/admin/person/")
    status, text = browser.open(
        "/admin/person/lookup/", {"csrf_token": token, "id_number": county.numbers.neighbour}
    )
    assert status == 200
    masked = mask_id_number(county.numbers.neighbour)
    assert f"您的管辖范围内没有身份证号为 {masked} 的居民" in flashes(text)
    assert county.numbers.neighbour not in text

    status, text = browser.open(
        "/admin/person/lookup/", {"csrf_token": token, "id_number": county.numbers.own}
    )
    assert "张三" in text and county.numbers.own not in text, "shown masked to a village admin"

    broken = county.numbers.own[:-1] + ("0" if county.numbers.own[-1] != "0" else "1")
    status, text = browser.open("/admin/person/lookup/", {"csrf_token": token, "id_number": broken})
    assert any(m.startswith("身份证号：身份证号码校验码错误") for m in flashes(text))
    assert browser.leaked(county.numbers.own, county.numbers.neighbour, broken) == []
    logs = formatted(debug_logs)
    assert county.numbers.neighbour not in logs and broken not in logs


def test_an_identity_number_typed_into_the_name_search_is_taken_out_of_the_address(
    county, debug_logs
):
    browser = Browser(logged_in(county.app, "county"))
    number = county.numbers.own
    response = browser.client.get(f"/admin/person/?search={number}&page_size=20")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/person/?page_size=20"
    status, text = browser.open(response.headers["Location"])
    assert status == 200
    assert any("网址中不能含有身份证号码" in m for m in flashes(text))
    assert browser.leaked(number) == []
    assert number not in formatted(debug_logs)


def test_an_anonymous_visit_never_carries_an_identity_number_into_the_login_redirect(county):
    client = county.app.test_client()
    browser = Browser(client)
    number = county.numbers.own
    response = client.get(f"/admin/person/?search={number}")
    browser._record(f"/admin/person/?search={number}", response)
    status, text = browser.open(response.headers["Location"])
    assert status == 200 and "后台管理登录" in text
    assert browser.leaked(number) == [f"/admin/person/?search={number}"], "only the first request"


def test_the_api_refuses_identity_numbers_in_query_parameters_and_paths(county, debug_logs):
    token = county.app.test_client()
    response = token.post("/api/v1/tokens", json={"username": "county", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    number = county.numbers.own
    response = token.get(f"/api/v1/persons?name={number}", headers=headers)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "网址中不能含有身份证号码（参数 name）" in response.get_json()["message"]
    assert number not in body
    response = token.get(f"/api/v1/persons/{number}", headers=headers)
    assert response.status_code == 400 and number not in response.get_data(as_text=True)
    # A locality code or an ordinary number is no identity number.
    assert token.get(f"/api/v1/persons?locality_code={VILLAGE}", headers=headers).status_code == 200
    assert number not in formatted(debug_logs)


def test_identity_numbers_are_recognised_only_when_they_validate():
    number = make_id_number("500243", dt.date(1980, 1, 1), 11)
    assert identity_numbers_in(f"search={number}") == [number]
    assert identity_numbers_in(f"x{number.lower()}y") == [number.upper()]
    assert identity_numbers_in(number[:-1] + str((int(number[-1]) + 1) % 10)) == []
    assert identity_numbers_in("91500243MA5U8XYZ1N 500243001001 12345678901234567890") == []


def test_a_database_failure_while_registering_a_resident_logs_no_identity_number(
    county, debug_logs
):
    """A damaged database: the table is gone. The error is logged (and shown to the admin), but
    without the values of the failed statement."""
    number = make_id_number("500243", dt.date(1990, 2, 3), 77)
    with county.runtime.db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE core_person RENAME TO core_person_moved"))
    try:
        admin = logged_in(county.app, "county")
        form = {"name": "赵六", "id_number": number, "locality": VILLAGE, "household": "__None"}
        response = submit(admin, "/admin/person/new/", form)
        shown = page(response) + "".join(flashes(page(admin.get("/admin/"))))
        client = county.app.test_client()
        token = client.post(
            "/api/v1/tokens", json={"username": "county", "password": PASSWORD}
        ).get_json()["token"]
        response = client.post(
            "/api/v1/persons",
            headers={"Authorization": f"Bearer {token}"},
            json={"name": "赵六", "id_number": number, "locality_code": VILLAGE},
        )
        assert response.status_code == 500
        shown += page(response)
    finally:
        county.runtime.db.session.remove()
        with county.runtime.db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE core_person_moved RENAME TO core_person"))
    logs = formatted(debug_logs)
    assert "core_person" in logs, "the failure itself is logged"
    assert "SQL parameters hidden" in logs
    assert number not in logs
    assert number not in shown


def test_validation_errors_imports_and_the_audit_log_show_identity_numbers_masked(
    county, debug_logs, tmp_path
):
    """Messages about a number name it masked; the audit log keeps it masked. (The form a person
    is correcting keeps what they typed, as a form field's value: that is not a message.)"""
    number = make_id_number("500243", dt.date(1990, 2, 3), 31)
    broken = number[:-1] + ("0" if number[-1] != "0" else "1")
    admin = logged_in(county.app, "county")
    form = {"name": "赵六", "id_number": number, "locality": VILLAGE, "household": "__None"}
    assert submit(admin, "/admin/person/new/", form).status_code == 302
    messages = flashes(page(submit(admin, "/admin/person/new/", {**form, "id_number": broken})))
    assert any("身份证号码校验码错误" in m for m in messages)
    messages += flashes(page(submit(admin, "/admin/person/new/", form)))  # already registered
    client = county.app.test_client()
    token = client.post(
        "/api/v1/tokens", json={"username": "county", "password": PASSWORD}
    ).get_json()["token"]
    for bad in (broken, number):
        response = client.post(
            "/api/v1/persons",
            headers={"Authorization": f"Bearer {token}"},
            json={"name": "钱七", "id_number": bad, "locality_code": VILLAGE},
        )
        assert response.status_code == 422
        messages.append(response.get_data(as_text=True))

    with county.runtime.db.transaction() as session:
        entries = list(
            session.scalars(select(AuditEntry).where(AuditEntry.table_name == "core_person"))
        )
    assert entries
    audit = json.dumps([[e.before, e.after] for e in entries], ensure_ascii=False, default=str)
    audit += page(admin.get("/admin/auditentry/"))
    audit += page(admin.get(f"/admin/auditentry/details/?id={entries[-1].id}"))

    # The command line: an import with a bad and an already registered row, and the audit check.
    config = tmp_path / "gongzhi.toml"
    config.write_text(
        tomli_w.dumps(make_config_data(county.runtime.config.database_url)), encoding="utf-8"
    )
    rows = tmp_path / "persons.csv"
    rows.write_text(
        f"姓名,身份证号,行政区划代码\n钱七,{broken},{VILLAGE}\n孙八,{number},{VILLAGE}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--config", str(config), "import", "persons", str(rows)])
    assert result.exit_code != 0
    assert "已经登记" in result.output and mask_id_number(number) in result.output
    messages.append(result.output)
    result = CliRunner().invoke(main, ["--config", str(config), "audit", "verify"])
    assert result.exit_code == 0
    messages.append(result.output)

    shown = "\n".join(messages)
    assert mask_id_number(number) in shown
    for text_ in (shown, audit, formatted(debug_logs)):
        assert number not in text_ and broken not in text_


def test_over_real_http_with_debug_logging_no_identity_number_reaches_a_log(county, debug_logs):
    """The production server (waitress) and werkzeug at DEBUG, a whole lookup and a mistyped
    search, over a real socket."""
    number = county.numbers.own
    cookies = urllib.request.HTTPCookieProcessor()
    opener = urllib.request.build_opener(cookies)
    with serve_wsgi(county.app, threads=4) as url:
        with opener.open(f"{url}/login", timeout=10) as response:
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode())
        form = {"csrf_token": token.group(1), "username": "county", "password": PASSWORD}
        with opener.open(
            f"{url}/login", urllib.parse.urlencode(form).encode(), timeout=10
        ) as response:
            assert response.status == 200
        with opener.open(f"{url}/admin/person/", timeout=10) as response:
            listing = response.read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', listing)
        lookup = {"csrf_token": token.group(1), "id_number": number}
        with opener.open(
            f"{url}/admin/person/lookup/", urllib.parse.urlencode(lookup).encode(), timeout=10
        ) as response:
            assert response.url.startswith(f"{url}/admin/person/details/?id={county.ids.own}")
            assert "张三" in response.read().decode()
        with opener.open(f"{url}/admin/person/?search={number}", timeout=10) as response:
            assert response.url == f"{url}/admin/person/"
            links = _LINKS.findall(response.read().decode())
            assert links and not [link for link in links if number in link]
    assert number not in formatted(debug_logs)
