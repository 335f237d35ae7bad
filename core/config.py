"""The deployment config: a TOML file naming the root locality, database and enabled plugins.

Secrets never live in the file: the session key comes from ``GONGZHI_SECRET_KEY`` (or a key file
generated beside the database), and ``GONGZHI_DATABASE_URL`` overrides ``database_url``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import marshmallow
from marshmallow import fields, validate

from core.coverage import Coverage, parse_coverage
from core.localities import LocalityCodeError, is_within, validate_code
from core.validation import flatten_errors

CONFIG_ENV = "GONGZHI_CONFIG"
DATABASE_URL_ENV = "GONGZHI_DATABASE_URL"
SECRET_KEY_ENV = "GONGZHI_SECRET_KEY"


class ConfigError(Exception):
    """The config file is missing, unreadable or invalid; ``errors`` lists every problem."""

    def __init__(self, path: Path | str, errors: list[str]) -> None:
        self.path = Path(path)
        self.errors = errors
        super().__init__(f"配置文件 {path} 有误：\n" + "\n".join(f"  {e}" for e in errors))


def _locality_code(value: str) -> None:
    try:
        validate_code(value)
    except LocalityCodeError as exc:
        raise marshmallow.ValidationError(str(exc)) from exc


class DeploymentSchema(marshmallow.Schema):
    """``[deployment]``: who runs this instance and where its data lives."""

    class Meta:
        unknown = marshmallow.RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    locality_code = fields.String(required=True, validate=_locality_code)
    locality_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    database_url = fields.String(load_default="sqlite:///instance/gongzhi.db")
    timezone = fields.String(load_default="Asia/Shanghai")
    language = fields.String(load_default="zh_Hans_CN", validate=validate.OneOf(["zh_Hans_CN"]))
    demo = fields.Boolean(load_default=False)


class PluginsSchema(marshmallow.Schema):
    """``[plugins]``: ``enabled`` lists plugin names; ``[plugins.NAME]`` tables hold settings."""

    class Meta:
        unknown = marshmallow.INCLUDE

    enabled = fields.List(fields.String(), load_default=list)


class RoleSchema(marshmallow.Schema):
    """``[roles.NAME]``: extra permissions granted to a role in this deployment."""

    class Meta:
        unknown = marshmallow.RAISE

    permissions = fields.List(fields.String(), load_default=list)


class CoverageSchema(marshmallow.Schema):
    """``[coverage.NAME]``: the part of the tree where plugin NAME runs (see core.coverage)."""

    class Meta:
        unknown = marshmallow.RAISE

    only = fields.List(fields.String(validate=_locality_code), load_default=list)
    exclude = fields.List(fields.String(validate=_locality_code), load_default=list)


class DemoSchema(marshmallow.Schema):
    """``[demo]``: what the demo data looks like (see docs/localities.md)."""

    class Meta:
        unknown = marshmallow.RAISE

    place = fields.String(
        validate=validate.Regexp(r"^.+\.toml$", error="必须是 .toml 文件（相对本配置文件的路径）"),
        metadata={"description": "地方描述文件：乡镇村名、常见姓氏、地名用字等（TOML）"},
    )


class ConfigSchema(marshmallow.Schema):
    """The whole file."""

    class Meta:
        unknown = marshmallow.RAISE

    deployment = fields.Nested(DeploymentSchema, required=True)
    plugins = fields.Nested(PluginsSchema, load_default=lambda: {"enabled": []})
    roles = fields.Dict(keys=fields.String(), values=fields.Nested(RoleSchema), load_default=dict)
    demo = fields.Nested(DemoSchema, load_default=dict)
    coverage = fields.Dict(
        keys=fields.String(), values=fields.Nested(CoverageSchema), load_default=dict
    )


@dataclasses.dataclass
class Config:
    """A loaded, validated deployment config."""

    path: Path | None
    name: str
    locality_code: str
    locality_name: str
    database_url: str
    timezone: str
    demo: bool
    enabled_plugins: list[str]
    plugin_settings: dict[str, dict[str, Any]]
    role_grants: dict[str, list[str]]
    raw: dict[str, Any] = dataclasses.field(repr=False)
    coverage: dict[str, Coverage] = dataclasses.field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        """The folder relative paths in the config are resolved against."""
        return self.path.parent if self.path else Path.cwd()

    @property
    def instance_dir(self) -> Path:
        """Where local state lives (SQLite database, generated secret key)."""
        url = self.database_url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            return Path(url.removeprefix("sqlite:///")).parent
        return self.base_dir / "instance"

    def secret_key(self) -> str:
        """The session signing key: from the environment, else a random key kept in a 0600 file."""
        key = os.environ.get(SECRET_KEY_ENV)
        if key:
            return key
        path = self.instance_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def _resolve_database_url(url: str, base_dir: Path) -> str:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        raw = url.removeprefix("sqlite:///")
        path = Path(raw)
        if not path.is_absolute():
            path = (base_dir / path).resolve()
        return f"sqlite:///{path}"
    return url


def parse_config(data: dict[str, Any], path: Path | None = None) -> Config:
    """Validate already-parsed TOML ``data``; raises :class:`ConfigError` listing every problem."""
    label = path or "<config>"
    try:
        loaded = ConfigSchema().load(data)
    except marshmallow.ValidationError as exc:
        raise ConfigError(label, flatten_errors(exc.messages)) from exc
    deployment = loaded["deployment"]
    plugins = dict(loaded["plugins"])
    enabled = plugins.pop("enabled")
    errors = []
    settings: dict[str, dict[str, Any]] = {}
    for name, value in plugins.items():
        if not isinstance(value, dict):
            errors.append(f"plugins.{name}: 必须是表（[plugins.{name}]）")
        else:
            settings[name] = value
    coverage: dict[str, Coverage] = {}
    for name, table in loaded["coverage"].items():
        if name not in enabled:
            errors.append(
                f"coverage.{name}: 插件 {name} 未启用（请加入 plugins.enabled 或删除此节）"
            )
        for key in ("only", "exclude"):
            for index, code in enumerate(table[key]):
                if not is_within(code, deployment["locality_code"]):
                    errors.append(
                        f"coverage.{name}.{key}[{index}]: {code} 不在本部署的行政区划"
                        f" {deployment['locality_code']} 之内"
                    )
        coverage[name] = parse_coverage(table)
    if errors:
        raise ConfigError(label, errors)
    base_dir = path.parent if path else Path.cwd()
    url = os.environ.get(DATABASE_URL_ENV) or deployment["database_url"]
    return Config(
        path=path,
        name=deployment["name"],
        locality_code=deployment["locality_code"],
        locality_name=deployment["locality_name"],
        database_url=_resolve_database_url(url, base_dir),
        timezone=deployment["timezone"],
        demo=deployment["demo"],
        enabled_plugins=enabled,
        plugin_settings=settings,
        role_grants={role: spec["permissions"] for role, spec in loaded["roles"].items()},
        coverage=coverage,
        raw=data,
    )


def _toml_error(exc: tomllib.TOMLDecodeError) -> str:
    text = str(exc)
    match = re.search(r"^(.*?)\s*\(at line (\d+), column (\d+)\)", text)
    if match:
        return f"第 {match[2]} 行第 {match[3]} 列：TOML 语法错误（{match[1]}）"
    return f"TOML 语法错误（{text}）"


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate the config at ``path`` (default: ``$GONGZHI_CONFIG``)."""
    if path is None:
        path = os.environ.get(CONFIG_ENV)
        if not path:
            raise ConfigError(
                "（未指定）", [f"请用 --config 指定配置文件，或设置环境变量 {CONFIG_ENV}"]
            )
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(file, ["文件不存在"]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(file, [f"无法读取：{exc}"]) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, [_toml_error(exc)]) from exc
    return parse_config(data, file.resolve())
