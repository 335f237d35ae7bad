"""Identity numbers stay out of addresses and logs.

An address (URL) is copied to places the platform does not control: the browser's history, the
``Referer`` of the next request, a proxy's access log, the ``next=`` of a login redirect, the
links of the page it returns. So a full identity number (居民身份证号) must never be part of one:

- pages never put one there: the resident list searches by name, and finding a resident by
  identity number is a POST form (:class:`hostapp.admin.core_views.PersonView`);
- a request whose address holds one anyway (typed into the name search, a bookmarked link, a
  hand-made API call) is refused before any view runs: a page is answered with a redirect to the
  same address without the offending parameter and a message saying where to search instead, the
  API with a 400 error. Either way, the number goes no further than the request that carried it.

Logs: SQLAlchemy writes the values of a failed statement into the exception's message, which the
app's error log (and Flask-Admin's) would then record; the database engine is told to leave them
out (``hide_parameters``), in SQL echo logs too. And every log record of the process, whichever
library or plugin writes it and at whatever level (SQLAlchemy's DEBUG level prints every row it
reads), has the identity numbers in its message, traceback and stack masked
(:func:`install_log_redaction`), before any handler sees it.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, flash, redirect, request

from core.identity import IdentityError, mask_id_number, normalize_id_number
from core.runtime import Runtime
from hostapp.errors import is_api_request

_CANDIDATE = re.compile(r"(?=(\d{17}[\dXx]))")

URL_MESSAGE = "网址中不能含有身份证号码"


def identity_numbers_in(text: str) -> list[str]:
    """The valid identity numbers found anywhere in ``text`` (check digit, birth date, area)."""
    found = []
    for match in _CANDIDATE.finditer(text or ""):
        try:
            found.append(normalize_id_number(match.group(1)))
        except IdentityError:
            continue
    return found


def redact(text: str) -> str:
    """``text`` with every valid identity number in it masked (``500243********0119``)."""
    if not text or not _CANDIDATE.search(text):
        return text
    for found in _CANDIDATE.finditer(text):
        raw = found.group(1)
        try:
            normalize_id_number(raw)
        except IdentityError:
            continue
        text = text.replace(raw, mask_id_number(raw))
    return text


def install_log_redaction() -> None:
    """Mask identity numbers in every log record made in this process from now on.

    Wraps the log record factory (once, however many apps are built): a record whose message,
    traceback or stack holds one gets the masked text instead as soon as it is made. Records
    stay plain :class:`logging.LogRecord` objects (handlers may pickle them).
    """
    factory = logging.getLogRecordFactory()
    if getattr(factory, "gongzhi_redacts", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: left for the handler to report
            message = ""
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    make_record.gongzhi_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)


def init_app(app: Flask, runtime: Runtime) -> None:
    """Refuse identity numbers in request addresses, and keep them out of logs.

    (Engines hide statement parameters from the start: :func:`core.db.make_engine`.)
    """
    install_log_redaction()

    @app.before_request
    def _refuse_identity_numbers_in_urls() -> Any:
        if identity_numbers_in(request.path):
            if is_api_request():
                abort(400, description=f"{URL_MESSAGE}：请改在请求体中提交")
            abort(404)
        offending = [
            key
            for key, value in request.args.items(multi=True)
            if identity_numbers_in(key) or identity_numbers_in(value)
        ]
        if not offending:
            return None
        if is_api_request() or request.method not in ("GET", "HEAD"):
            named = sorted({key for key in offending if not identity_numbers_in(key)})
            where = f"（参数 {'、'.join(named)}）" if named else ""
            abort(400, description=f"{URL_MESSAGE}{where}：请改在请求体中提交")
        kept = [
            (key, value) for key, value in request.args.items(multi=True) if key not in offending
        ]
        flash(
            f"{URL_MESSAGE}，已从网址中去掉。按身份证号查找居民，请用居民列表上方的“按身份证号查找”。",
            "warning",
        )
        target = request.path + ("?" + urlencode(kept) if kept else "")
        return redirect(target, code=303)
