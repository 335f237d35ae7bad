"""``ApiRegistrar``: what a plugin's ``register_api`` hook receives."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_smorest import Api, Blueprint, abort
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Select, bindparam, select

from core.db import utcnow
from core.models import Account, ApiToken
from core.models.account import hash_token
from core.runtime import Runtime
from core.security import Principal
from hostapp.context import current_runtime

MAX_ID = 2**31 - 1
"""The largest integer id a record can have (PostgreSQL ``integer``); larger ones cannot exist."""


TOKEN_AND_ACCOUNT = (
    select(ApiToken, Account)
    .join(Account, Account.id == ApiToken.account_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)
"""A bearer token (by its hash, ``token_hash``) with its account; built once, run per request."""


def current_principal() -> Principal:
    """The token's account inside an API request (the host authenticated it already)."""
    return g.principal


def scoped(statement: Select[Any], model: type) -> Select[Any]:
    """``statement`` limited to the caller's locality scope."""
    return statement.where(model.scope_clause(current_principal().scope_code))


def get_scoped_or_404(model: type, ident: Any) -> Any:
    """The record ``ident`` of ``model`` if it lies within the caller's scope, else 404."""
    session = current_runtime().db.session
    if isinstance(ident, int) and not 0 < ident <= MAX_ID:
        abort(404, message="记录不存在，或不在您的管辖范围内")
    mapper_pk = model.__mapper__.primary_key[0]
    record = session.scalar(scoped(select(model).where(mapper_pk == ident), model))
    if record is None:
        abort(404, message="记录不存在，或不在您的管辖范围内")
    return record


class PagedBlueprint(Blueprint):
    """A blueprint whose pagination header is built without a schema per request.

    flask-smorest builds the header's object and then dumps it through a new
    ``PaginationMetadataSchema`` (integers only) on every paged response; the same object is
    built here directly, with the same keys in the same order, so the header's text is unchanged
    (a test compares the two).
    """

    @staticmethod
    def _make_pagination_metadata(page: int, page_size: int, item_count: int) -> dict[str, int]:
        """The ``X-Pagination`` object: total, page count, first, last, this, previous, next."""
        if item_count == 0:
            return {"total": 0, "total_pages": 0}
        last_page = (item_count - 1) // page_size + 1
        metadata = {
            "total": int(item_count),
            "total_pages": last_page,
            "first_page": 1,
            "last_page": last_page,
        }
        if page <= last_page:
            metadata["page"] = int(page)
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < last_page:
                metadata["next_page"] = page + 1
        return metadata


class ApiRegistrar:
    """Mounts blueprints under ``/api/v1`` with bearer-token authentication and no CSRF."""

    def __init__(
        self,
        api: Api,
        runtime: Runtime,
        csrf: CSRFProtect,
        prefix: str,
        plugin_name: str | None = None,
    ) -> None:
        self.api = api
        self.runtime = runtime
        self.csrf = csrf
        self.prefix = prefix
        self.plugin_name = plugin_name

    def for_plugin(self, name: str) -> ApiRegistrar:
        """The registrar handed to plugin ``name``."""
        return ApiRegistrar(self.api, self.runtime, self.csrf, self.prefix, name)

    current_principal = staticmethod(current_principal)
    scoped = staticmethod(scoped)
    get_scoped_or_404 = staticmethod(get_scoped_or_404)

    @property
    def session(self) -> Any:
        """The request-scoped database session."""
        return self.runtime.db.session

    def register_blueprint(self, blueprint: Blueprint, *, authenticated: bool = True) -> None:
        """Mount ``blueprint`` at ``/api/v1/<its url_prefix>``.

        A plugin's blueprint name must start with the plugin's name (``points_claims``).
        """
        if self.plugin_name and not blueprint.name.startswith(self.plugin_name):
            raise ValueError(
                f"插件 {self.plugin_name} 的 API 蓝图名称必须以插件名开头：{blueprint.name}"
            )
        self.csrf.exempt(blueprint)
        if authenticated:
            blueprint.before_request(self._authenticate)
        url_prefix = self.prefix + (blueprint.url_prefix or f"/{blueprint.name}")
        self.api.register_blueprint(blueprint, url_prefix=url_prefix)

    def _authenticate(self) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            abort(401, message="需要令牌：请在 Authorization 头中提供 Bearer 令牌")
        session = self.runtime.db.session
        # One statement for the token and its account, read on every request: a revoked or
        # expired token, or a deactivated account, is refused from the next request on.
        row = session.execute(TOKEN_AND_ACCOUNT, {"token_hash": hash_token(token.strip())}).first()
        if row is None:
            abort(401, message="令牌无效或已过期")
        api_token, account = row
        if not api_token.is_valid(utcnow()) or not account.is_active:
            abort(401, message="令牌无效或已过期")
        principal = self.runtime.plugins.permissions.principal(account)
        plugins = self.runtime.plugins
        if self.plugin_name and not plugins.reaches(self.plugin_name, principal.scope_code):
            title = plugins.get(self.plugin_name).manifest.title
            abort(403, message=f"{title}未在您管辖的区划内启用")
        g.principal = principal
        session.info.update(actor=principal.label, channel="api")
