"""The deployment behind the current request."""

from __future__ import annotations

from flask import current_app

from core.runtime import Runtime


def current_runtime() -> Runtime:
    """The :class:`~core.runtime.Runtime` of the app handling the current request."""
    return current_app.extensions["gongzhi"]
