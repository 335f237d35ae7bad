"""Plugin settings per locality (一村一策): the config's values are the county's defaults, towns and
villages override them in the admin, and the nearest override up the tree wins.

:func:`effective_settings` is what plugins read (through :func:`core.runtime.plugin_settings` with a
``locality_code``); :func:`describe_settings` says where each value came from, for
``gongzhi config describe --locality CODE`` and the admin.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import marshmallow
from marshmallow import fields
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.localities import is_within, parent_code
from core.models import Locality, SettingOverride
from core.validation import flatten_errors

_CACHE_KEY = "gongzhi_settings_cache"


class SettingOverrideError(ValueError):
    """An override names an unknown setting or a value the plugin's settings schema refuses."""


@dataclasses.dataclass(frozen=True)
class SettingValue:
    """One setting's effective value at a locality, and where it came from."""

    key: str
    title: str
    value: Any
    source: str
    """``"default"`` (the plugin's default), ``"config"`` (the deployment config) or
    ``"override"`` (set in the admin for :attr:`source_code`)."""
    source_code: str | None = None
    source_name: str | None = None

    @property
    def source_label(self) -> str:
        """Where the value came from, in words."""
        if self.source == "override":
            return f"一村一策：{self.source_name or ''}（{self.source_code}）"
        return {"default": "插件默认值", "config": "部署配置"}[self.source]


def overridable_settings(plugins: Any, name: str) -> dict[str, str]:
    """Settings of plugin ``name`` that towns and villages may override: key → title."""
    manifest = plugins.get(name).manifest
    declared = manifest.settings_schema().fields
    keys = manifest.local_settings if manifest.local_settings is not None else list(declared)
    return {key: _title(declared[key], key) for key in keys if key in declared}


def _title(field: fields.Field, key: str) -> str:
    description = field.metadata.get("description") or key
    return description.split("：")[0].split("（")[0]


def _chain(code: str) -> list[str]:
    """``code`` and its ancestors, root first."""
    codes = [code]
    parent = parent_code(code)
    while parent is not None:
        codes.append(parent)
        parent = parent_code(parent)
    return codes[::-1]


def _overrides(session: Session, name: str, code: str) -> list[SettingOverride]:
    rows = session.scalars(
        select(SettingOverride).where(
            SettingOverride.plugin == name, SettingOverride.locality_code.in_(_chain(code))
        )
    ).all()
    return sorted(rows, key=lambda row: len(row.locality_code))


def _config_raw(session: Session, name: str) -> dict[str, Any]:
    runtime = session.info["runtime"]
    return copy.deepcopy(runtime.config.plugin_settings.get(name, {}))


def _load(plugins: Any, name: str, raw: dict[str, Any]) -> dict[str, Any]:
    return plugins.get(name).manifest.load_settings(raw)


def effective_settings(session: Session, name: str, locality_code: str) -> dict[str, Any]:
    """The settings of plugin ``name`` in force at ``locality_code``, validated and completed.

    Cached per session until an override is written or the transaction ends.
    """
    cache = session.info.setdefault(_CACHE_KEY, {})
    key = (name, locality_code)
    if key not in cache:
        plugins = session.info["plugins"]
        overrides = _overrides(session, name, locality_code)
        if not overrides:
            cache[key] = plugins.settings(name)
        else:
            raw = _config_raw(session, name)
            for row in overrides:
                raw[row.key] = row.value
            cache[key] = _load(plugins, name, raw)
    return cache[key]


def describe_settings(session: Session, name: str, locality_code: str) -> list[SettingValue]:
    """Every setting of plugin ``name`` at ``locality_code`` with its value and its source."""
    plugins = session.info["plugins"]
    effective = effective_settings(session, name, locality_code)
    configured = _config_raw(session, name)
    nearest = {row.key: row for row in _overrides(session, name, locality_code)}
    names = {
        loc.code: loc.name
        for loc in session.scalars(
            select(Locality).where(Locality.code.in_({r.locality_code for r in nearest.values()}))
        )
    }
    declared = plugins.get(name).manifest.settings_schema().fields
    values = []
    for key, field in declared.items():
        title = _title(field, key)
        if key in nearest:
            row = nearest[key]
            source = ("override", row.locality_code, names.get(row.locality_code))
        elif key in configured:
            source = ("config", None, None)
        else:
            source = ("default", None, None)
        values.append(SettingValue(key, title, effective.get(key), *source))
    return values


def parse_value(session: Session, name: str, key: str, text: str) -> Any:
    """The override value typed as ``text`` in a form, as config-style data for the setting.

    Text settings take the text as it is; numbers, switches, lists and tables are read as JSON
    (``5``, ``true``, ``["甲", "乙"]``), as they would be written in the config.
    """
    plugins = session.info["plugins"]
    if not plugins.is_enabled(name):
        raise SettingOverrideError(f"plugin: 插件 {name} 未启用")
    field = plugins.get(name).manifest.settings_schema().fields.get(key)
    if isinstance(field, fields.String):
        return text.strip()
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SettingOverrideError(
            f"plugins.{name}.{key}: 无法解析取值 {text!r}：数字、true/false、列表请按 JSON 书写"
        ) from exc


def check_override(session: Session, name: str, key: str, value: Any, locality_code: str) -> None:
    """Refuse an override the plugin's schema would not accept at ``locality_code``.

    The whole settings table is validated with the override in place (rules that tie settings
    together apply too); the message names the setting.
    """
    plugins = session.info["plugins"]
    if not plugins.is_enabled(name):
        raise SettingOverrideError(f"plugin: 插件 {name} 未启用")
    allowed = overridable_settings(plugins, name)
    if key not in allowed:
        choices = "、".join(allowed) or "（无）"
        raise SettingOverrideError(
            f"key: 插件 {name} 没有可在本地覆盖的设置项 {key}（可覆盖：{choices}）"
        )
    raw = _config_raw(session, name)
    for row in _overrides(session, name, locality_code):
        if row.locality_code != locality_code:
            raw[row.key] = row.value
    raw[key] = value
    try:
        _load(plugins, name, raw)
    except marshmallow.ValidationError as exc:
        problems = flatten_errors(exc.messages, f"plugins.{name}")
        raise SettingOverrideError("；".join(problems)) from exc
    if not is_within(locality_code, session.info["runtime"].config.locality_code):
        raise SettingOverrideError(f"locality_code: {locality_code} 不在本部署的行政区划之内")


def install(session_factory: Any) -> None:
    """Keep each session's settings cache honest: drop it when overrides change or a
    transaction ends (another session may have written one)."""
    event.listen(session_factory, "before_flush", _drop_cache_if_overrides_change)
    event.listen(session_factory, "after_commit", _drop_cache)
    event.listen(session_factory, "after_soft_rollback", _drop_cache_after_rollback)


def _drop_cache(session: Session) -> None:
    session.info.pop(_CACHE_KEY, None)


def _drop_cache_after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_CACHE_KEY, None)


def _drop_cache_if_overrides_change(session: Session, _ctx: Any, _instances: Any) -> None:
    if any(
        isinstance(obj, SettingOverride) for obj in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info.pop(_CACHE_KEY, None)
