"""Logging in: Flask-Login sessions, the login page, throttling, and the current principal.

Two brakes slow down password guessing, on the login page and on ``POST /api/v1/tokens`` alike:

- **per account** (in the database, so every process sees it): five wrong passwords lock the
  account for 15 minutes;
- **per client address** (:class:`ClientThrottle`, in the memory of the serving process): at most
  20 failed logins per address in 15 minutes, whatever the usernames, so that guessing unknown
  usernames or spraying one password over many accounts is slowed too. A county serves Gongzhi
  from one waitress process with several threads, which share this one counter; with several
  processes each would keep its own, multiplying the allowance by their number.

Behind a reverse proxy every request comes from the proxy's address: let waitress take the
client's address from the proxy's headers (its ``trusted_proxy`` setting) rather than reading
``X-Forwarded-For`` here, which any client can forge.

A deployment that is not a demo (``demo = false``) refuses every login with the published demo
password (:data:`core.demo.DEMO_PASSWORD`), so a demo database put to real use cannot be entered
with it.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import ipaddress
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
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
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from core.db import utcnow
from core.demo import DEMO_PASSWORD
from core.models import Account
from core.runtime import Runtime
from core.security import Principal
from hostapp.context import current_runtime

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
MAX_FAILURES_PER_CLIENT = 20
CLIENT_WINDOW = dt.timedelta(minutes=15)

blueprint = Blueprint("auth", __name__)


class LoginThrottled(Exception):
    """Too many failed logins from one client address; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        """The Chinese message for the person or program that tried."""
        minutes = max(1, math.ceil(self.retry_after / 60))
        return _("登录失败次数过多，请 %(minutes)s 分钟后再试", minutes=minutes)


@dataclass
class _Client:
    failures: collections.deque[float]
    pending: int = 0


@dataclass
class ClientThrottle:
    """Failed logins per client address in a sliding window, shared by the process's threads.

    Each attempt first reserves a slot (:meth:`reserve`), then reports how it went
    (:meth:`settle`). Attempts still being checked count against the allowance, so a burst of
    parallel requests from one address gets no more password checks than a patient one.
    Successful logins are not counted and clear nothing: one known password must not reset the
    allowance of a client that sprays guesses at other accounts. The table of addresses is
    bounded (``max_clients``), so that a flood of addresses cannot exhaust the memory.
    """

    max_failures: int = MAX_FAILURES_PER_CLIENT
    window: float = CLIENT_WINDOW.total_seconds()
    max_clients: int = 100_000
    clock: Callable[[], float] = time.monotonic
    _clients: collections.OrderedDict[str, _Client] = field(
        default_factory=collections.OrderedDict, init=False, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def reserve(self, client: str) -> None:
        """Reserve an attempt for ``client`` or raise :class:`LoginThrottled`."""
        with self._lock:
            now = self.clock()
            state = self._clients.get(client)
            if state is None:
                state = _Client(collections.deque(maxlen=self.max_failures))
                self._clients[client] = state
            self._clients.move_to_end(client)
            while state.failures and state.failures[0] <= now - self.window:
                state.failures.popleft()
            used = len(state.failures) + state.pending
            if used >= self.max_failures:
                # The attempt is allowed again once enough of the counted failures have aged out.
                expiring = used - self.max_failures
                if expiring < len(state.failures):
                    wait = state.failures[expiring] + self.window - now
                else:
                    wait = 1.0
                raise LoginThrottled(max(1, math.ceil(wait)))
            state.pending += 1
            self._prune(now)

    def settle(self, client: str, failed: bool) -> None:
        """Release ``client``'s reserved attempt, counting it if the login ``failed``."""
        with self._lock:
            state = self._clients.get(client)
            if state is None:  # pruned meanwhile (only under a flood of addresses)
                state = _Client(collections.deque(maxlen=self.max_failures), pending=1)
                self._clients[client] = state
            state.pending = max(0, state.pending - 1)
            if failed:
                state.failures.append(self.clock())
                self._clients.move_to_end(client)

    def failures(self, client: str) -> int:
        """How many failures of ``client`` are counted now."""
        with self._lock:
            state = self._clients.get(client)
            if state is None:
                return 0
            horizon = self.clock() - self.window
            return sum(1 for at in state.failures if at > horizon)

    def _prune(self, now: float) -> None:
        # Least recently active first: drop clients with nothing left to count, and the oldest
        # ones beyond ``max_clients``.
        while self._clients:
            key, state = next(iter(self._clients.items()))
            idle = not state.pending and (
                not state.failures or state.failures[-1] <= now - self.window
            )
            if not idle and len(self._clients) <= self.max_clients:
                break
            del self._clients[key]


def client_address() -> str:
    """The address the throttle counts the current request under.

    The peer address that the WSGI server reports (waitress puts the client's address there,
    also behind a proxy it trusts). IPv6 clients are counted by their /64 network, since one
    subscriber usually holds a whole /64.
    """
    raw = request.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def login_throttle() -> ClientThrottle:
    """The current app's (that is, this process's) client throttle."""
    return current_app.extensions["gongzhi_login_throttle"]


@functools.cache
def _decoy_hash() -> str:
    # Checked against when the username is unknown, so that an unknown name takes as long to
    # refuse as a wrong password and response times do not reveal which usernames exist.
    return generate_password_hash(secrets.token_urlsafe(16))


class LoginForm(FlaskForm):
    """Username and password, with Flask-WTF's CSRF token."""

    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


def init_app(app: Flask, runtime: Runtime) -> None:
    """Install Flask-Login, the client throttle and the login/logout routes."""
    app.extensions["gongzhi_login_throttle"] = ClientThrottle()
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
    """The account if ``password`` is right and it may log in, else ``None`` and why.

    Five wrong passwords lock the account for 15 minutes; the same vague message is given for
    an unknown user and a wrong password. Failures are committed even though login fails. On a
    deployment that is not a demo, the published demo password is refused even where it is right.
    This does not consult the client throttle: see :func:`authenticate`.
    """
    account = session.scalar(select(Account).where(Account.username == username))
    now = utcnow()
    if account is not None and account.locked_until and account.locked_until > now:
        return None, _("登录失败次数过多，账号已暂时锁定，请 15 分钟后再试")
    if account is None or not account.is_active:
        check_password_hash(_decoy_hash(), password)
        return None, _("用户名或密码错误")
    if not account.check_password(password):
        account.failed_logins += 1
        if account.failed_logins >= MAX_FAILED_LOGINS:
            account.locked_until = now + LOCKOUT
            account.failed_logins = 0
        session.commit()
        return None, _("用户名或密码错误")
    runtime = session.info.get("runtime")
    if password == DEMO_PASSWORD and not (runtime is not None and runtime.config.demo):
        return None, _(
            "该账号仍在使用公开的演示密码，本平台不是演示部署，已拒绝登录。"
            "请县级管理员为其重设密码（没有可用的管理员账号时，"
            "可在服务器上用 gongzhi account create 新建一个）。"
        )
    if account.failed_logins or account.locked_until:
        account.failed_logins = 0
        account.locked_until = None
        session.commit()
    return account, ""


def authenticate(session: Any, username: str, password: str) -> tuple[Account | None, str]:
    """:func:`check_credentials` behind the current client's throttle (login page and API).

    Raises :class:`LoginThrottled` without looking at the password when the client address has
    used up its allowance of failed logins.
    """
    throttle = login_throttle()
    client = client_address()
    throttle.reserve(client)
    account = None
    try:
        account, error = check_credentials(session, username, password)
    finally:
        throttle.settle(client, failed=account is None)
    return account, error


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login page."""
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        session = current_runtime().db.session
        session.info.update(actor=f"login:{form.username.data}", channel="admin")
        try:
            account, error = authenticate(session, form.username.data, form.password.data)
        except LoginThrottled as exc:
            response = render_template("auth/login.html", form=form, error=exc.message)
            return response, 429, {"Retry-After": str(exc.retry_after)}
        if account is not None:
            login_user(account)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST" and form.errors:
        error = "；".join(msg for messages in form.errors.values() for msg in messages)
    if error:
        status = 401
    return render_template("auth/login.html", form=form, error=error), status


@blueprint.post("/logout")
def logout() -> Any:
    """Log out (POST only, so the CSRF token protects it)."""
    if not current_user.is_authenticated:
        abort(401)
    logout_user()
    return redirect(url_for("auth.login"))
