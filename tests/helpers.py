"""Shared helpers for the HTTP-level tests: build an app, log in like a browser, get API tokens.

Everything goes through the real forms with CSRF protection left on: a helper fetches the page a
person would open, reads the ``csrf_token`` hidden field from it and posts it back.
"""

from __future__ import annotations

import html
import re
from typing import Any

import jinja2
from flask import Flask
from flask.testing import FlaskClient

from core.runtime import Runtime
from core.testing import PASSWORD
from hostapp import create_app


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
    app = create_app(runtime)
    app.jinja_env.bytecode_cache = _TEMPLATES
    return app


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


def logged_in(app: Any, username: str) -> FlaskClient:
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
