"""The plugin scaffold behind ``gongzhi plugin new NAME``: a complete, installable plugin package.

The package is rendered from the real files under ``template/`` (each ending in ``.tmpl``, so that
no tool mistakes them for code of Gongzhi's own) with :class:`string.Template`: ``$name`` is the
plugin's name, ``$title`` its Chinese title, ``$package`` the import package (``gongzhi_NAME``),
``$dist`` the distribution (``gongzhi-NAME``), ``$model`` and ``$table`` the one model's class and
table, ``$camel`` the name in CamelCase, ``$requires_core`` the core version range and ``$today``
the date. ``{name}`` in a file or folder name becomes the plugin's name.

The result installs, enables and passes its own tests without edits (tests/test_scaffold.py
proves it): manifest and hooks, a locality-scoped model with its Alembic branch, an admin view,
API endpoints, a portal section, a settings schema, demo data, a README and tests using
``core.testing``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import keyword
import re
import string
from collections.abc import Iterable
from pathlib import Path

import core
from core.plugin_manager import installed_entry_points

TEMPLATE_DIR = Path(__file__).resolve().parent / "template"
TEMPLATE_SUFFIX = ".tmpl"

MAX_NAME_LENGTH = 16
"""Longest plugin name: its table, index and foreign-key names must fit PostgreSQL's 63 bytes."""
MAX_TITLE_LENGTH = 12

RESERVED_NAMES = frozenset({"core", "hostapp", "plugins", "gongzhi", "tests", "test", "alembic"})
"""Names a plugin cannot take: Gongzhi's own packages and table prefix, and pytest's."""

_NAME = re.compile(r"[a-z][a-z0-9_]*")


class ScaffoldError(ValueError):
    """A plugin cannot be scaffolded as asked; the message says why, in Chinese."""


def validate_name(name: str, reserved: Iterable[str] = ()) -> None:
    """Check that ``name`` can name a new plugin, else raise :class:`ScaffoldError`.

    A name is a lowercase Python identifier (it prefixes tables, permissions, blueprints and
    the command group), not a keyword, at most :data:`MAX_NAME_LENGTH` characters, not the name
    of an installed plugin or an existing ``gongzhi_NAME`` package, and not in ``reserved``
    (the ``gongzhi`` command names, which a plugin's command group would clash with) or
    :data:`RESERVED_NAMES`.
    """
    if not name:
        raise ScaffoldError("插件名不能为空")
    if not _NAME.fullmatch(name):
        raise ScaffoldError(
            f"插件名 {name!r} 不合法：必须以小写英文字母开头，只含小写英文字母、数字和下划线"
            "（它是 Python 标识符，也是数据表、权限和 API 的前缀），如 village_compact"
        )
    if name.endswith("_") or "__" in name:
        raise ScaffoldError(f"插件名 {name!r} 不合法：不能以下划线结尾，也不能含连续的下划线")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ScaffoldError(f"插件名 {name!r} 是 Python 关键字，请换一个名字")
    if len(name) > MAX_NAME_LENGTH:
        raise ScaffoldError(f"插件名 {name!r} 太长：不能超过 {MAX_NAME_LENGTH} 个字符")
    if name in installed_entry_points():
        raise ScaffoldError(
            f"已安装的插件中已有 {name}，请换一个名字（已安装的插件见 gongzhi plugins）"
        )
    if name in RESERVED_NAMES or name in set(reserved):
        raise ScaffoldError(f"插件名 {name!r} 已被共治平台自身使用（包名或命令名），请换一个名字")
    if importlib.util.find_spec(package_name(name)) is not None:
        raise ScaffoldError(
            f"当前环境中已有 Python 包 {package_name(name)}，请换一个名字，或先卸载那个包"
        )


def validate_title(title: str) -> None:
    """Check the plugin's Chinese title, else raise :class:`ScaffoldError`."""
    if not title.strip():
        raise ScaffoldError("插件标题不能为空")
    if title != title.strip():
        raise ScaffoldError("插件标题的开头和结尾不能有空格")
    if len(title) > MAX_TITLE_LENGTH:
        raise ScaffoldError(f"插件标题太长：不能超过 {MAX_TITLE_LENGTH} 个字")
    bad = sorted({c for c in title if c in "\"'\\" or not c.isprintable()})
    if bad:
        shown = "、".join(repr(c) for c in bad)
        raise ScaffoldError(f"插件标题不能包含引号、反斜杠或控制字符：{shown}")


def package_name(name: str) -> str:
    """The import package of plugin ``name``: ``gongzhi_NAME``."""
    return f"gongzhi_{name}"


def project_folder_name(name: str) -> str:
    """The folder (and distribution) of plugin ``name``: ``gongzhi-NAME`` with hyphens."""
    return "gongzhi-" + name.replace("_", "-")


def requires_core() -> str:
    """The core version range a new plugin declares: this minor version up to the next major."""
    major, minor = (int(part) for part in core.__version__.split(".")[:2])
    return f">={major}.{minor},<{major + 1}"


def template_values(name: str, title: str, today: dt.date | None = None) -> dict[str, str]:
    """The values the template files are rendered with."""
    camel = "".join(part.capitalize() for part in name.split("_"))
    return {
        "name": name,
        "title": title,
        "package": package_name(name),
        "dist": project_folder_name(name),
        "camel": camel,
        "model": f"{camel}Item",
        "table": f"{name}_item",
        "requires_core": requires_core(),
        "today": (today or dt.date.today()).isoformat(),
    }


def template_files() -> list[Path]:
    """Every template file, relative to :data:`TEMPLATE_DIR`, in a stable order."""
    return sorted(
        path.relative_to(TEMPLATE_DIR)
        for path in TEMPLATE_DIR.rglob(f"*{TEMPLATE_SUFFIX}")
        if "__pycache__" not in path.parts
    )


def render(template: str, values: dict[str, str], source: Path) -> str:
    """``template`` with every ``$placeholder`` replaced; a stray ``$`` names the file."""
    try:
        return string.Template(template).substitute(values)
    except (KeyError, ValueError) as exc:
        raise ScaffoldError(f"脚手架模板 {source} 有误：{exc}") from exc


def scaffold(
    name: str,
    parent: Path,
    title: str | None = None,
    reserved: Iterable[str] = (),
    today: dt.date | None = None,
) -> Path:
    """Write a new plugin package ``gongzhi-NAME`` under ``parent``; returns its folder.

    Raises :class:`ScaffoldError` for an invalid name or title, or when the folder exists
    already (nothing is ever overwritten). ``title`` defaults to ``"NAME插件"``.
    """
    validate_name(name, reserved)
    title = f"{name}插件" if title is None else title
    validate_title(title)
    target = Path(parent) / project_folder_name(name)
    if target.exists():
        raise ScaffoldError(f"目录 {target} 已存在：脚手架不会覆盖已有的文件，请换一个目录或名字")
    if Path(parent).exists() and not Path(parent).is_dir():
        raise ScaffoldError(f"{parent} 不是目录")
    values = template_values(name, title, today)
    rendered = []
    for relative in template_files():
        text = render((TEMPLATE_DIR / relative).read_text("utf-8"), values, relative)
        path = Path(str(relative).replace("{name}", name).removesuffix(TEMPLATE_SUFFIX))
        rendered.append((path, text))
    target.mkdir(parents=True)
    for path, text in rendered:
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text, encoding="utf-8", newline="\n")
    return target
