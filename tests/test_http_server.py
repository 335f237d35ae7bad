"""The real thing over real HTTP: the app under waitress on a loopback port, used like a browser
(cookies, the login form's CSRF token) and like an API client (a bearer token)."""

from __future__ import annotations

import gc
import http.cookiejar
import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
import waitress
from helpers import input_value, make_app

from core.testing import COUNTY, PASSWORD, add_person, serve_wsgi

VILLAGE = "500243001001"
NEIGHBOUR = "500243001002"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Let a test see a redirect instead of following it."""

    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


@pytest.fixture
def server(seeded) -> Iterator[str]:
    """The base URL of the app served by waitress in a background thread."""
    with seeded.db.transaction() as session:
        add_person(session, "张三", VILLAGE, 11)
        add_person(session, "李四", NEIGHBOUR, 13)
    with serve_wsgi(make_app(seeded), threads=2) as url:
        yield url


def browser() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def fetch(opener, url: str, data: dict | None = None, headers: dict | None = None):
    """(status, headers, body text) of a GET, or of a form POST when ``data`` is given."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read().decode()


def test_a_village_admin_logs_in_through_the_form_and_opens_the_admin(server):
    opener = browser()
    status, _, text = fetch(opener, f"{server}/admin/person/")
    assert status == 200 and "后台管理登录" in text, "anonymous visitors land on the login page"

    token = input_value(text, "csrf_token")
    assert token
    status, _, text = fetch(
        opener,
        f"{server}/login?next=/admin/person/",
        {"csrf_token": token, "username": "village", "password": PASSWORD},
    )
    assert status == 200
    assert "张三" in text and "李四" not in text
    assert "500243********" in text

    status, _, text = fetch(opener, f"{server}/admin/")
    assert status == 200
    assert "首页" in text and "退出登录" in text


def test_a_login_post_without_the_csrf_cookie_and_token_is_refused(server):
    status, _, text = fetch(
        browser(), f"{server}/login", {"username": "village", "password": PASSWORD}
    )
    assert status == 400
    assert "安全令牌" in text


def test_the_session_cookie_is_http_only(server):
    opener = urllib.request.build_opener(NoRedirect)
    _, headers, _ = fetch(opener, f"{server}/login")
    cookies = [c for c in headers.get_all("Set-Cookie") if c.startswith("gongzhi_session=")]
    assert len(cookies) == 1
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]


def test_an_api_client_gets_a_token_and_lists_its_residents(server):
    opener = urllib.request.build_opener()
    request = urllib.request.Request(
        f"{server}/api/v1/tokens",
        data=json.dumps({"username": "village", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with opener.open(request, timeout=10) as response:
        assert response.status == 201
        token = json.load(response)["token"]
    status, headers, text = fetch(
        opener, f"{server}/api/v1/persons", headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert "X-Pagination" in headers
    assert [p["name"] for p in json.loads(text)] == ["张三"]
    status, _, text = fetch(opener, f"{server}/api/v1/persons")
    assert status == 401 and "令牌" in json.loads(text)["message"]


def test_a_resident_reads_the_portal_and_the_monitor_reads_healthz(server):
    opener = urllib.request.build_opener()
    status, headers, text = fetch(opener, f"{server}/")
    assert status == 200, "the redirect to the county page is followed"
    assert headers["Content-Type"].startswith("text/html")
    assert "彭水苗族土家族自治县" in text and "登记居民 2 人" in text
    status, _, text = fetch(opener, f"{server}/l/{COUNTY[0][:-1]}9")
    assert status == 404 and "页面不存在" in text
    status, _, text = fetch(opener, f"{server}/healthz")
    assert status == 200 and json.loads(text) == {
        "status": "ok",
        "database": "ok",
        "plugins": [],
    }


# --- the test server itself (core.testing.serve_wsgi) -------------------------------------------


def hello(environ, start_response):  # type: ignore[no-untyped-def]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def open_fds() -> set[int]:
    return {int(name) for name in os.listdir("/proc/self/fd")}


def test_the_test_server_stops_and_closes_every_socket_and_pipe_it_opened():
    before = open_fds()
    with serve_wsgi(hello, threads=2) as url:
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.read() == b"hello"
        assert len(open_fds() - before) >= 3  # the listening socket, the wake-up pipe, its copy
    gc.collect()
    assert open_fds() - before == set()
    assert not [t for t in threading.enumerate() if t.name == "serve_wsgi"]
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)


def test_the_test_server_stops_although_its_wake_up_pipe_was_closed_under_it(monkeypatch):
    """Stopping does not write to the server's trigger pipe: a server whose pipe is gone (once
    seen in CI, as EBADF from the write) still stops and closes its listening socket."""
    servers = []
    create = waitress.create_server

    def keep(*args, **kwargs):  # type: ignore[no-untyped-def]
        servers.append(create(*args, **kwargs))
        return servers[-1]

    monkeypatch.setattr(waitress, "create_server", keep)
    with serve_wsgi(hello, threads=2) as url:
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.read() == b"hello"
        trigger = servers[0].trigger
        os.close(trigger._fds[1])
        trigger._fds = [trigger._fds[0]]  # its own close must not close the number again
    assert not [t for t in threading.enumerate() if t.name == "serve_wsgi"]
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)
