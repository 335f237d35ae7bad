"""Back-office accounts with roles and a locality scope, and their API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import JSON, Boolean, ColumnElement, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from core.db import Base, UTCDateTime, utcnow
from core.localities import is_within, within
from core.models.locality import Locality

MIN_PASSWORD_LENGTH = 10


class Account(Base):
    """A login for county, town or village staff.

    ``scope_code`` is the locality the account works for: it sees that locality and everything
    under it, never a sibling.
    """

    __tablename__ = "core_account"
    __audit_masked__ = ("password_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(256))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_code: Mapped[str] = mapped_column(
        String(15), ForeignKey("core_locality.code"), index=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    scope: Mapped[Locality] = relationship()

    @validates("username")
    def _check_username(self, _key: str, value: str) -> str:
        value = (value or "").strip()
        if not value or len(value) > 50 or any(c.isspace() for c in value):
            raise ValueError("用户名不能为空，不能含空格，最长 50 个字符")
        return value

    def set_password(self, password: str) -> None:
        """Hash and store ``password``; too short a password is refused."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches the stored hash."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def sees(self, code: str) -> bool:
        """Whether a record at locality ``code`` lies within this account's scope."""
        return is_within(code, self.scope_code)

    @classmethod
    def scope_clause(cls, scope_code: str) -> ColumnElement[bool]:
        """Accounts whose own scope lies within ``scope_code``."""
        return within(cls.scope_code, scope_code)

    # Flask-Login protocol, kept here so the host app needs no wrapper class.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def __str__(self) -> str:
        return f"{self.display_name}（{self.username}）"


def generate_password(length: int = 16) -> str:
    """A random password for a new account, printed once and never stored in clear."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def hash_token(token: str) -> str:
    """SHA-256 of an API token: tokens are random, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(Base):
    """A bearer token for the REST API; only its hash is stored."""

    __tablename__ = "core_api_token"
    __audit_masked__ = ("token_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("core_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    account: Mapped[Account] = relationship()

    @staticmethod
    def issue(account: Account, label: str | None = None) -> tuple[ApiToken, str]:
        """A new token row for ``account`` and the clear token, which is shown once."""
        token = secrets.token_urlsafe(32)
        return ApiToken(account=account, token_hash=hash_token(token), label=label), token

    def is_valid(self, now: dt.datetime | None = None) -> bool:
        """Whether the token may still be used."""
        now = now or utcnow()
        return not self.revoked and (self.expires_at is None or self.expires_at > now)
