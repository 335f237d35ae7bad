"""一村一策: towns and villages override plugin settings for their own part of the tree."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired

from core.settings import (
    SettingOverrideError,
    check_override,
    overridable_settings,
    parse_value,
)
from hostapp.admin.base import ScopedModelView


class SettingOverrideView(ScopedModelView):
    """A locality's own values for plugin settings; the nearest one up the tree is in force."""

    permission = "core.settings.view"
    manage_permission = "core.settings.override"
    column_list = ["locality", "plugin", "key", "value", "reason", "updated_at"]
    column_default_sort = ("locality_code", False)
    column_filters = ["plugin", "key", "locality_code"]
    column_labels = {
        "locality": _l("区划"),
        "locality_code": _l("区划代码"),
        "plugin": _l("插件"),
        "key": _l("设置项"),
        "value": _l("取值"),
        "reason": _l("依据"),
        "updated_at": _l("更新时间"),
        "setting": _l("设置项"),
    }
    column_descriptions = {
        "value": _l("文字直接填写；数字、true/false、列表按部署配置（JSON）的写法填写"),
        "reason": _l("例如村民代表会议决议的日期和文号"),
    }
    form_columns = ["locality", "setting", "value", "reason"]
    form_extra_fields = {
        "setting": SelectField(_l("设置项"), validators=[InputRequired()], choices=[]),
        "value": TextAreaField(_l("取值"), validators=[InputRequired()]),
    }

    def _plugin_title(self, name: str) -> str:
        plugins = self.runtime.plugins
        return plugins.get(name).manifest.title if plugins.is_enabled(name) else name

    def _setting_title(self, name: str, key: str) -> str:
        plugins = self.runtime.plugins
        if not plugins.is_enabled(name):
            return key
        return overridable_settings(plugins, name).get(key, key)

    column_formatters = {
        "plugin": lambda v, c, m, n: v._plugin_title(m.plugin),
        "key": lambda v, c, m, n: Markup("{} <code>{}</code>").format(
            v._setting_title(m.plugin, m.key), m.key
        ),
        "value": lambda v, c, m, n: json.dumps(m.value, ensure_ascii=False),
    }

    def _setting_choices(self) -> list[tuple[str, str]]:
        plugins = self.runtime.plugins
        return [
            (f"{name}:{key}", f"{plugins.get(name).manifest.title} · {title}（{key}）")
            for name in plugins.names
            for key, title in overridable_settings(plugins, name).items()
        ]

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        form.setting.choices = self._setting_choices()
        return form

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        form.setting.choices = self._setting_choices()
        return form

    def on_form_prefill(self, form: Any, id: Any) -> None:
        record = self.get_one(id)
        form.setting.data = f"{record.plugin}:{record.key}"
        value = record.value
        form.value.data = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        """Type and check the value against the plugin's settings schema before saving."""
        name, _, key = (form.setting.data or "").partition(":")
        if model.locality is None:
            raise SettingOverrideError("locality: 请选择区划")
        if model.locality.code == self.runtime.config.locality_code:
            raise SettingOverrideError(
                "locality: 本部署根区划的默认值请在部署配置文件中修改，一村一策只适用于下级区划"
            )
        session = self.session
        with session.no_autoflush:  # the half-filled record must not reach the database
            value = parse_value(session, name, key, form.value.data or "")
            check_override(session, name, key, value, model.locality.code)
        model.plugin, model.key, model.value = name, key, value
        super().on_model_change(form, model, is_created)
