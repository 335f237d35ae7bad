"""``POST /api/v1/tokens``: exchange a username and password for a bearer token.

The same brakes as the login page apply (:mod:`hostapp.auth`): the per-account lock, the
per-client-address throttle (429 with ``Retry-After``) and the refusal of the demo password on a
deployment that is not a demo.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from core.db import utcnow
from core.models import ApiToken
from hostapp.api.schemas import NO_NUL
from hostapp.auth import LoginThrottled, authenticate
from hostapp.context import current_runtime

TOKEN_LIFETIME = dt.timedelta(days=30)


class CredentialsSchema(Schema):
    """A login."""

    username = fields.String(required=True, validate=[validate.Length(min=1, max=50), NO_NUL])
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    label = fields.String(
        validate=[validate.Length(max=100), NO_NUL], metadata={"description": "令牌用途"}
    )


class TokenSchema(Schema):
    """A newly issued token; it is shown once and only its hash is kept."""

    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


def tokens_blueprint() -> Blueprint:
    """A new token blueprint (one per app)."""
    blueprint = Blueprint(
        "tokens", __name__, url_prefix="/tokens", description="令牌：用账号密码换取 API 令牌"
    )

    @blueprint.route("", methods=["POST"])
    @blueprint.arguments(CredentialsSchema)
    @blueprint.response(201, TokenSchema)
    @blueprint.alt_response(401, description="用户名或密码错误，或账号已锁定")
    @blueprint.alt_response(429, description="本地址登录失败次数过多，请按 Retry-After 秒数后再试")
    def issue_token(credentials: dict[str, Any]) -> dict[str, Any]:
        """Issue a bearer token valid for 30 days."""
        runtime = current_runtime()
        session = runtime.db.session
        try:
            account, error = authenticate(session, credentials["username"], credentials["password"])
        except LoginThrottled as exc:
            abort(429, message=exc.message, headers={"Retry-After": str(exc.retry_after)})
        if account is None:
            abort(401, message=error)
        session.info.update(actor=f"account:{account.username}", channel="api")
        row, token = ApiToken.issue(account, credentials.get("label"))
        row.expires_at = utcnow() + TOKEN_LIFETIME
        session.add(row)
        session.commit()
        return {"token": token, "expires_at": row.expires_at}

    return blueprint
