"""``gongzhi plugin …``: tools for plugin authors. They need no deployment config.

``gongzhi plugin new NAME [--path DIR] [--title 中文名]`` writes an installable plugin package,
``DIR/gongzhi-NAME``, from :mod:`core.scaffold`; see docs/plugins.md, "Scaffolding a plugin".
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from core.scaffold import ScaffoldError, package_name, scaffold


@click.group("plugin")
def plugin_group() -> None:
    """插件开发工具（无需配置文件）。"""


@plugin_group.command("new")
@click.argument("name")
@click.option(
    "--path",
    "parent",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="在此目录下新建插件目录 gongzhi-NAME（不存在则创建）。",
)
@click.option("--title", help="插件的中文名称，如“村规民约”（默认为“NAME插件”）。")
@click.pass_context
def plugin_new(ctx: click.Context, name: str, parent: Path, title: str | None) -> None:
    """新建插件 NAME：可安装的插件包，含模型、迁移、后台、接口、门户、设置、演示数据和测试。"""
    root = ctx.find_root().command
    commands = root.commands if isinstance(root, click.Group) else {}
    try:
        folder = scaffold(name, parent, title=title, reserved=commands)
    except ScaffoldError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(f"已新建插件 {name}：{folder}")
    click.echo("下一步：")
    click.echo(f"  pip install -e {folder}          # 安装到共治平台所在的环境")
    click.echo(f"  cd {folder} && pytest -q           # 运行插件自带的测试")
    click.echo(f"  在部署配置的 [plugins] enabled 中加入 {name!r}，再运行 gongzhi db upgrade")
    click.echo(f"代码在 {folder / package_name(name)}，说明见 {folder / 'README.md'}。")
