"""``create_app``: the Flask application for one deployment."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, jsonify, request
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import text
from werkzeug.exceptions import UnprocessableEntity
from werkzeug.routing import Rule

from core.config import Config, load_config
from core.coverage import CoverageError
from core.gc_pause import collector_paused
from core.runtime import Runtime
from hostapp import admin, api, auth, portal, privacy
from hostapp.errors import html_error, is_api_request
from hostapp.i18n import install_i18n

SECURE_COOKIES_ENV = "GONGZHI_SECURE_COOKIES"


class LazyBuilderRule(Rule):
    """A URL rule whose URL builder is compiled when the first URL is built from it.

    Werkzeug writes and compiles two small Python functions per rule, to build its URLs, as soon
    as the rule is added. With four plugins the app has about 800 rules (the admin's views alone
    about 700), and most of them never build a URL in a given process: compiling them all was
    about a sixth of start-up. Matching requests does not use these functions and is unchanged;
    building a URL compiles the rule's builder once, exactly as Werkzeug would have.
    """

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compile_now = super()._compile_builder
        attribute = "_build_unknown" if append_unknown else "_build"

        def build(rule: Rule, **values: Any) -> tuple[str, str]:
            compiled = compile_now(append_unknown).__get__(rule, None)
            setattr(rule, attribute, compiled)  # later URLs go straight to the compiled builder
            return compiled(**values)

        return build


class GongzhiFlask(Flask):
    """Flask with :class:`LazyBuilderRule` for every URL rule, the static files' included."""

    url_rule_class = LazyBuilderRule


def create_app(config: Config | Runtime | str | os.PathLike[str] | None = None) -> Flask:
    """Build the app for a deployment.

    ``config`` is a loaded :class:`~core.config.Config`, a ready :class:`~core.runtime.Runtime`
    (tests share one with the code under test), a path to a TOML file, or ``None`` for
    ``$GONGZHI_CONFIG``. The database must already be migrated (``gongzhi db upgrade``).
    """
    # Nearly everything built here lives as long as the app: see core.gc_pause.
    with collector_paused():
        return _build_app(config)


def _build_app(config: Config | Runtime | str | os.PathLike[str] | None) -> Flask:
    if isinstance(config, Runtime):
        runtime = config
    else:
        loaded = config if isinstance(config, Config) else load_config(config)
        runtime = Runtime(loaded)

    app = GongzhiFlask(__name__)
    app.config.update(
        SECRET_KEY=runtime.config.secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get(SECURE_COOKIES_ENV, "") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_NAME="gongzhi_session",
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["gongzhi"] = runtime

    install_i18n(app, runtime)
    privacy.init_app(app, runtime)
    csrf = CSRFProtect(app)
    auth.init_app(app, runtime)
    api.init_app(app, runtime, csrf)
    admin.init_app(app, runtime)
    portal.init_app(app, runtime)

    @app.before_request
    def _refuse_nul_characters() -> None:
        # PostgreSQL cannot store or compare text with NUL (SQLite can): refuse it at the door
        # so that both backends answer the same, with a clear error instead of a crash.
        values = [request.path, *request.args.values()]
        if request.form:
            values += request.form.values()
        if any("\x00" in value for value in values):
            abort(400, description="请求中含有空字符（NUL），已拒绝")

    @app.errorhandler(CoverageError)
    def _outside_coverage(exc: CoverageError) -> Any:
        # A plugin's record aimed at a part of the tree where the plugin is switched off: the
        # flush was refused, nothing was written.
        runtime.db.session.rollback()
        if is_api_request():
            return jsonify(code=422, status="Unprocessable Entity", message=str(exc)), 422
        return html_error(UnprocessableEntity(description=str(exc)))

    @app.teardown_appcontext
    def _release_session(_exc: BaseException | None) -> None:
        runtime.db.session.remove()

    @app.get("/healthz")
    def healthz() -> Any:
        try:
            with runtime.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return jsonify(status="error", database="unreachable"), 503
        return jsonify(status="ok", database="ok", plugins=runtime.plugins.names)

    return app
