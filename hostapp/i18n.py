"""Simplified Chinese everywhere: Flask-Babel, display time zone, and the admin's catalogue.

Our own strings are written in Chinese inside ``gettext`` calls, so they need no catalogue. The
``admin`` catalogue beside this file only fills the gaps in Flask-Admin's own Chinese one; it is
compiled once per content into a cache folder, so no build step is needed.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel, format_datetime

from core.runtime import Runtime

SOURCE_DIR = Path(__file__).resolve().parent / "translations"
LOCALE = "zh_Hans_CN"


def compiled_translations() -> Path:
    """A folder with the ``.po`` files under ``translations/`` compiled to ``.mo``."""
    sources = sorted(SOURCE_DIR.rglob("*.po"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"gongzhi-translations-{digest}"
    if not target.exists():
        staging = Path(tempfile.mkdtemp(prefix="gongzhi-translations-"))
        for po in sources:
            mo = staging / po.relative_to(SOURCE_DIR).with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=LOCALE)
            with mo.open("wb") as handle:
                write_mo(handle, catalog)
        with contextlib.suppress(OSError):  # another process compiled it first
            staging.rename(target)
    return target


def install_i18n(app: Flask, runtime: Runtime) -> None:
    """Set up Flask-Babel in Chinese with the deployment's display time zone."""
    app.config.update(
        BABEL_DEFAULT_LOCALE=LOCALE,
        BABEL_DEFAULT_TIMEZONE=runtime.config.timezone,
    )
    Babel(app)
    app.jinja_env.filters["localtime"] = lambda value: (
        format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""
    )
