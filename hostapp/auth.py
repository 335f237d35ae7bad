"""Logging in: Flask-Login sessions, the login page, throttling, and the current principal."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from core.db import utcnow
from core.models import Account
from core.runtime import Runtime
from core.security import Principal
from hostapp.context import current_runtime

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)

blueprint = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    """Username and password, with Flask-WTF's CSRF token."""

    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


def init_app(app: Flask, runtime: Runtime) -> None:
    """Install Flask-Login and the login/logout routes."""
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = "请先登录"
    manager.session_protection = "strong"

    @manager.user_loader
    def load_account(account_id: str) -> Account | None:
        try:
            key = int(account_id)
        except ValueError:
            return None
        account = runtime.db.session.get(Account, key)
        return account if account is not None and account.is_active else None

    app.register_blueprint(blueprint)


def current_principal() -> Principal | None:
    """The logged-in (admin) or token-authenticated (API) account with its permissions."""
    if "principal" in g:
        return g.principal
    principal = None
    if current_user and current_user.is_authenticated:
        principal = current_runtime().plugins.permissions.principal(
            current_user._get_current_object()
        )
    g.principal = principal
    return principal


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("admin.index")


def check_credentials(session: Any, username: str, password: str) -> tuple[Account | None, str]:
    """The account if ``password`` is right and it is not locked, else ``None`` and why.

    Five wrong passwords lock the account for 15 minutes; the same vague message is given for
    an unknown user and a wrong password. Failures are committed even though login fails.
    """
    account = session.scalar(select(Account).where(Account.username == username))
    now = utcnow()
    if account is not None and account.locked_until and account.locked_until > now:
        return None, _("登录失败次数过多，账号已暂时锁定，请 15 分钟后再试")
    if account is None or not account.is_active:
        return None, _("用户名或密码错误")
    if not account.check_password(password):
        account.failed_logins += 1
        if account.failed_logins >= MAX_FAILED_LOGINS:
            account.locked_until = now + LOCKOUT
            account.failed_logins = 0
        session.commit()
        return None, _("用户名或密码错误")
    if account.failed_logins or account.locked_until:
        account.failed_logins = 0
        account.locked_until = None
        session.commit()
    return account, ""


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login page."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        session = current_runtime().db.session
        session.info.update(actor=f"login:{form.username.data}", channel="admin")
        account, error = check_credentials(session, form.username.data, form.password.data)
        if account is not None:
            login_user(account)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST" and form.errors:
        error = "；".join(msg for messages in form.errors.values() for msg in messages)
    status = 401 if error else 200
    return render_template("auth/login.html", form=form, error=error), status


@blueprint.post("/logout")
def logout() -> Any:
    """Log out (POST only, so the CSRF token protects it)."""
    if not current_user.is_authenticated:
        abort(401)
    logout_user()
    return redirect(url_for("auth.login"))
