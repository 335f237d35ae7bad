"""Helpers for the HTTP-level tests: build an app, log in like a browser, get API tokens.

They live in :mod:`core.testing` (where plugin authors find them too) and are re-exported here so
that the suite's ``from helpers import ...`` keeps working. Everything goes through the real forms
with CSRF protection left on: a helper fetches the page a person would open, reads the
``csrf_token`` hidden field from it and posts it back.
"""

from __future__ import annotations

from core.testing import (
    api_token,
    bearer,
    csrf_token,
    flashes,
    input_value,
    logged_in,
    login,
    make_app,
    submit,
)

__all__ = [
    "api_token",
    "bearer",
    "csrf_token",
    "flashes",
    "input_value",
    "logged_in",
    "login",
    "make_app",
    "submit",
]
