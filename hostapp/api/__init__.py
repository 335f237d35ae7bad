"""The REST API under ``/api/v1``: flask-smorest, marshmallow schemas, bearer tokens, scoping."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

from core.runtime import Runtime
from core.validation import translate_tree
from hostapp.api.core_endpoints import core_blueprints
from hostapp.api.registrar import ApiRegistrar
from hostapp.api.tokens import tokens_blueprint
from hostapp.errors import MESSAGES, html_error, is_api_request, own_description

API_PREFIX = "/api/v1"


class GongzhiApi(Api):
    """flask-smorest's ``Api`` with two fixes: JSON errors only for the API (pages get Chinese
    HTML), and the ``Allow`` header kept on 405 responses."""

    def _register_pagination_header(self) -> None:
        # The header carries JSON text; documented as an object, clients would parse it with
        # OpenAPI's comma-separated "simple" style and get it wrong.
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "分页信息，JSON 文本：total, total_pages, first_page, last_page, "
                "page, previous_page, next_page",
                "schema": {"type": "string"},
            },
            lazy=True,
        )

    def handle_http_exception(self, error: HTTPException) -> Any:
        if not is_api_request():
            return html_error(error)
        payload, code, headers = super().handle_http_exception(error)
        if "errors" in payload:
            payload["errors"] = translate_tree(payload["errors"])
        if "message" not in payload and (own_description(error) or code in MESSAGES):
            payload["message"] = own_description(error) or MESSAGES[code][0]
        headers = dict(headers or {})  # webargs passes None on 422
        if error.code == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(sorted(error.valid_methods))
        if error.code == 401:
            headers.setdefault("WWW-Authenticate", "Bearer")
        return payload, code, headers


def init_app(app: Flask, runtime: Runtime, csrf: CSRFProtect) -> GongzhiApi:
    """Mount the API: token endpoint, core resources, then each plugin's blueprints."""
    app.config.update(
        API_TITLE=f"{runtime.config.name} API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                }
            },
            "security": [{"bearerAuth": []}],
            "info": {"description": "共治平台 REST API。先用 POST /api/v1/tokens 换取令牌。"},
        },
    )
    api = GongzhiApi(app)
    registrar = ApiRegistrar(api, runtime, csrf, API_PREFIX)
    registrar.register_blueprint(tokens_blueprint(), authenticated=False)
    for blueprint in core_blueprints():
        registrar.register_blueprint(blueprint)
    for plugin in runtime.plugins.plugins:
        caller = runtime.plugins.plugin_hook_caller(plugin.name, "register_api")
        caller(api=registrar.for_plugin(plugin.name))
    return api
