"""The admin backend: Flask-Admin 2 in Chinese, login required, one menu category per plugin."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from core.runtime import Runtime
from hostapp.admin.base import DashboardView
from hostapp.admin.core_views import core_views
from hostapp.admin.registrar import AdminRegistrar
from hostapp.i18n import compiled_translations


def init_app(app: Flask, runtime: Runtime) -> Admin:
    """Mount the admin at ``/admin`` with core's views, then each plugin's, in plugin order."""
    admin = Admin(
        app,
        name=runtime.config.name,
        index_view=DashboardView(runtime),
        theme=Bootstrap4Theme(swatch="flatly", fluid=True, base_template="admin/gongzhi/base.html"),
        translations_path=str(compiled_translations()),
    )
    for view in core_views(runtime):
        admin.add_view(view)
    for plugin in runtime.plugins.plugins:
        registrar = AdminRegistrar(admin, runtime, plugin)
        # Call only this plugin's implementation, so its views land under its own menu.
        caller = runtime.plugins.plugin_hook_caller(plugin.name, "register_admin_views")
        caller(admin=registrar)
    return admin
