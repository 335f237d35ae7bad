"""``gongzhi``: the one command line for everything an operator does."""

from __future__ import annotations

import getpass
import inspect
import json
import os
import sys
from pathlib import Path
from typing import Any

import click
import tomli_w
from sqlalchemy import func, select

from core import __version__, audit, migrate
from core.config import (
    CONFIG_ENV,
    DATABASE_URL_ENV,
    Config,
    ConfigError,
    load_config,
    parse_config,
)
from core.localities import LEVEL_LABELS, LocalityCodeError, is_within, level_of, validate_code
from core.models import Account, ApiToken, Locality
from core.models.account import generate_password
from core.plugin_manager import PluginError, installed_entry_points, load_plugin_module
from core.runtime import Runtime
from core.security import ROLES
from core.settings import describe_settings


class CliState:
    """The config path and, once needed, the runtime built from it."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._runtime: Runtime | None = None

    def config(self) -> Config:
        """The loaded config; exits with every error listed if it is invalid."""
        try:
            return load_config(self.config_path)
        except ConfigError as exc:
            fail(str(exc))

    def runtime(self) -> Runtime:
        """The runtime for the config; exits with a clear message if plugins cannot be enabled."""
        if self._runtime is None:
            config = self.config()
            try:
                self._runtime = Runtime(config)
            except PluginError as exc:
                fail(f"配置文件 {config.path}：{exc}")
        return self._runtime

    def migrated_runtime(self) -> Runtime:
        """The runtime, once its database is at the latest version of core and every plugin;
        exits with what to run otherwise (instead of failing on a missing table)."""
        runtime = self.runtime()
        behind = [branch for branch, at, head in migrate.current(runtime) if at != head]
        if behind:
            fail(f"数据库未升级到最新（{', '.join(behind)}）：请先运行 gongzhi db upgrade")
        return runtime

    def session(self, runtime: Runtime) -> Any:
        """A transaction whose writes the audit log attributes to the operator at the console."""
        return runtime.db.transaction(actor=f"cli:{_os_user()}", channel="cli")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def fail(message: str, code: int = 1) -> Any:
    """Print ``message`` to stderr and exit with ``code``."""
    click.echo(message, err=True)
    sys.exit(code)


pass_state = click.make_pass_decorator(CliState)


class GongzhiGroup(click.Group):
    """The top-level group. Plugins' commands come from the config of *this* invocation and are
    kept on the click context, so the module-level group never changes."""

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        if "gongzhi.plugin_commands" in ctx.meta:
            return ctx.meta["gongzhi.plugin_commands"]
        commands: dict[str, click.Command] = {}
        ctx.meta["gongzhi.plugin_commands"] = commands
        config_path = ctx.params.get("config") or os.environ.get(CONFIG_ENV)
        if not config_path:
            return commands
        try:
            runtime = Runtime(load_config(config_path))
        except (ConfigError, PluginError):
            return commands  # the command itself reports the problem
        collector = click.Group("plugins")
        runtime.plugins.hook.register_cli_commands(cli=collector)
        runtime.close()
        for name, command in collector.commands.items():
            if name in self.commands:
                fail(f"插件命令 {name} 与核心命令重名")
            commands[name] = command
        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugin_commands(ctx)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._plugin_commands(ctx).get(name)


@click.group(cls=GongzhiGroup)
@click.option(
    "--config",
    "config",
    envvar=CONFIG_ENV,
    type=click.Path(dir_okay=False),
    help=f"部署配置文件（TOML）。也可用环境变量 {CONFIG_ENV}。",
)
@click.version_option(__version__, prog_name="gongzhi")
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """共治平台运维命令。"""
    from hostapp.privacy import install_log_redaction

    install_log_redaction()  # identity numbers never reach a log, whichever command runs
    ctx.obj = CliState(config)


# --- init ------------------------------------------------------------------------------------


@main.command()
@click.option("--name", required=True, help="平台名称，如“某某县基层治理平台”。")
@click.option("--locality-code", required=True, help="本级行政区划代码（12 位）。")
@click.option("--locality-name", required=True, help="本级行政区划名称。")
@click.option("--database-url", default="sqlite:///instance/gongzhi.db", show_default=True)
@click.option("--plugin", "plugins", multiple=True, help="要启用的插件，可重复。")
@click.option("--admin", "admin_username", default="admin", show_default=True)
@pass_state
def init(
    state: CliState,
    name: str,
    locality_code: str,
    locality_name: str,
    database_url: str,
    plugins: tuple[str, ...],
    admin_username: str,
) -> None:
    """新建配置文件和数据库，并创建第一个县级管理员（密码只显示一次）。"""
    if not state.config_path:
        fail("请用 --config 指定要创建的配置文件路径")
    path = Path(state.config_path)
    if path.exists():
        fail(f"配置文件 {path} 已存在，不会覆盖")
    try:
        code = validate_code(locality_code)
    except LocalityCodeError as exc:
        fail(f"--locality-code：{exc}")
    data = {
        "deployment": {
            "name": name,
            "locality_code": code,
            "locality_name": locality_name,
            "database_url": database_url,
        },
        "plugins": {"enabled": list(plugins)},
    }
    try:
        config = parse_config(data, path.resolve())
        runtime = Runtime(config)
    except (ConfigError, PluginError) as exc:
        fail(str(exc))
    migrate.upgrade(runtime)
    password = generate_password()
    with state.session(runtime) as session:
        if session.scalar(select(func.count()).select_from(Account)):
            fail("数据库中已有账号：init 只用于全新的数据库")
    runtime.ensure_root_locality()
    with state.session(runtime) as session:
        account = Account(
            username=admin_username,
            display_name=f"{locality_name}管理员",
            scope_code=code,
            roles=["county_admin"],
        )
        account.set_password(password)
        session.add(account)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    click.echo(f"已创建配置文件 {path} 和数据库。")
    if os.environ.get(DATABASE_URL_ENV):
        click.echo(f"注意：环境变量 {DATABASE_URL_ENV} 已设置，它优先于配置文件中的 database_url。")
    click.echo(f"县级管理员：{admin_username}  密码：{password}")
    click.echo("请立即记下密码：它只显示这一次。")


# --- db --------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """数据库迁移。"""


@db.command("upgrade")
@pass_state
def db_upgrade(state: CliState) -> None:
    """把核心和所有已启用插件的数据表升级到最新版本。"""
    runtime = state.runtime()
    migrate.upgrade(runtime)
    if runtime.ensure_root_locality():
        config = runtime.config
        click.echo(f"已创建本级行政区划：{config.locality_name}（{config.locality_code}）")
    for branch, at, head in migrate.current(runtime):
        click.echo(f"{branch}: {at}{'（最新）' if at == head else f' → {head}'}")


@db.command("current")
@pass_state
def db_current(state: CliState) -> None:
    """显示核心和各插件的数据表版本；有未升级的分支时退出码为 1。"""
    runtime = state.runtime()
    behind = False
    for branch, at, head in migrate.current(runtime):
        mark = "最新" if at == head else f"待升级到 {head}"
        behind = behind or at != head
        click.echo(f"{branch}: {at or '（未建表）'}（{mark}）")
    if behind:
        sys.exit(1)


# --- plugins ---------------------------------------------------------------------------------


@main.command("plugins")
@pass_state
def plugins_command(state: CliState) -> None:
    """列出已安装的插件：版本、名称、是否启用、依赖和实现的钩子。"""
    enabled: list[str] = []
    if state.config_path or os.environ.get(CONFIG_ENV):
        enabled = state.config().enabled_plugins
    for name, entry_point in sorted(installed_entry_points().items()):
        status = "已启用" if name in enabled else "未启用"
        try:
            module = load_plugin_module(entry_point)
        except PluginError as exc:
            click.echo(f"{name}  [无法加载]  {exc}")
            continue
        manifest = module.MANIFEST
        hooks = sorted(
            attr
            for attr, value in vars(module).items()
            if inspect.isfunction(value) and hasattr(value, "gongzhi_impl")
        )
        click.echo(f"{name} {manifest.version}  {manifest.title}  [{status}]")
        click.echo(f"    依赖插件：{', '.join(manifest.requires) or '无'}")
        click.echo(f"    核心版本：{manifest.requires_core}")
        click.echo(f"    实现的钩子：{', '.join(hooks) or '无'}")


# --- config ----------------------------------------------------------------------------------


@main.group("config")
def config_group() -> None:
    """部署配置。"""


@config_group.command("check")
@pass_state
def config_check(state: CliState) -> None:
    """检查配置文件；全部正确时显示摘要，否则列出每一处错误并以退出码 1 结束。"""
    runtime = state.runtime()
    config = runtime.config
    click.echo(f"配置文件 {config.path} 正确。")
    click.echo(f"  平台：{config.name}")
    click.echo(
        f"  本级区划：{config.locality_name}（{config.locality_code}，"
        f"{LEVEL_LABELS[level_of(config.locality_code)]}）"
    )
    click.echo(f"  数据库：{_redact(config.database_url)}")
    if runtime.plugins.plugins:
        click.echo("  已启用插件（按加载顺序）：")
        for plugin in runtime.plugins.plugins:
            settings = ", ".join(f"{k}={v!r}" for k, v in plugin.settings.items()) or "无设置"
            click.echo(f"    {plugin.name}（{plugin.manifest.title}）：{settings}")
            coverage = runtime.plugins.coverage.of(plugin.name)
            if not coverage.everywhere:
                click.echo(f"      启用范围：{coverage.describe()}")
    else:
        click.echo("  已启用插件：无")
    if config.demo or config.raw.get("demo"):
        from core.demo import DemoError, place_for

        try:
            place = place_for(config)
        except DemoError as exc:
            fail(str(exc))
        click.echo(f"  演示数据地方描述：{place.source.name}（{len(place.towns)} 个乡镇/街道）")


DESCRIBE_WIDTH = 60


@config_group.command("describe")
@click.option("--locality", "locality_code", required=True, help="行政区划代码（12 位）")
@click.option("--plugin", "only_plugin", default=None, help="只显示这个插件")
@pass_state
def config_describe(state: CliState, locality_code: str, only_plugin: str | None) -> None:
    """显示某个行政区划实际生效的插件和设置，并注明每个取值的来源（默认值、部署配置或一村一策）。"""
    runtime = state.migrated_runtime()
    try:
        code = validate_code(locality_code)
    except LocalityCodeError as exc:
        fail(f"--locality：{exc}")
    if not is_within(code, runtime.config.locality_code):
        fail(f"--locality：{code} 不在本部署的行政区划 {runtime.config.locality_code} 之内")
    plugins = runtime.plugins
    if only_plugin is not None and not plugins.is_enabled(only_plugin):
        fail(f"--plugin：插件 {only_plugin} 未启用（已启用：{', '.join(plugins.names) or '无'}）")
    with runtime.db.new_session() as session:
        place = session.get(Locality, code)
        if place is None:
            fail(f"--locality：行政区划 {code} 不存在（先导入行政区划，或检查代码）")
        click.echo(f"{place.name}（{code}，{LEVEL_LABELS[level_of(code)]}）")
        for name in plugins.names:
            if only_plugin is not None and name != only_plugin:
                continue
            title = plugins.get(name).manifest.title
            if not plugins.covers(name, code):
                where = plugins.coverage.of(name).describe()
                click.echo(f"\n{title}（{name}）：在此未启用（启用范围：{where}）")
                continue
            click.echo(f"\n{title}（{name}）：在此启用")
            for item in describe_settings(session, name, code):
                click.echo(f"  {item.key}（{item.title}）= {_shown(item.value)}")
                click.echo(f"      来源：{item.source_label}")


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > DESCRIBE_WIDTH:
        count = f"，共 {len(value)} 项" if isinstance(value, list | dict) else ""
        text = f"{text[:DESCRIBE_WIDTH]}…（已截断{count}）"
    return text


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "（无法解析）"


# --- demo and serve --------------------------------------------------------------------------


@main.command()
@click.option("--seed", default=2026, show_default=True, help="随机种子。")
@click.option("--residents", default=2000, show_default=True, help="居民人数。")
@click.option("--if-empty", is_flag=True, help="数据库已有数据时跳过，不报错。")
@pass_state
def demo(state: CliState, seed: int, residents: int, if_empty: bool) -> None:
    """生成演示数据（核心和每个已启用插件的），并列出演示账号。"""
    from core.demo import DEMO_PASSWORD, DemoError, demo_accounts, seed_demo

    runtime = state.runtime()
    if not runtime.config.demo:
        fail("此配置不是演示部署（deployment.demo 不为 true），不能生成演示数据")
    migrate.upgrade(runtime)
    with runtime.db.new_session() as session:
        # ``db upgrade`` creates the deployment's own locality; anything beyond it is data.
        others = select(func.count()).where(Locality.code != runtime.config.locality_code)
        seeded = bool(session.scalar(others.select_from(Locality)))
    if seeded and if_empty:
        click.echo("数据库中已有数据，跳过生成演示数据。")
        accounts = demo_accounts(runtime)
    else:
        try:
            summary = seed_demo(runtime, seed=seed, residents=residents)
        except DemoError as exc:
            fail(str(exc))
        counts = "，".join(f"{label} {count}" for label, count in summary.counts.items())
        click.echo(f"已生成{summary.county_name}的演示数据：{counts}。")
        accounts = summary.accounts
    click.echo(f"演示账号（密码均为 {DEMO_PASSWORD}，仅供演示）：")
    for account in accounts:
        click.echo(
            f"  {account.role_label}  {account.username:<14} {account.display_name}"
            f"（{account.scope_name}）"
        )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    default=lambda: int(os.environ.get("PORT", "5000")),
    type=int,
    show_default="5000 或环境变量 PORT",
)
@click.option("--threads", default=8, show_default=True)
@click.option(
    "--trusted-proxy",
    default=None,
    help="反向代理（如 nginx）的地址：信任它转发的 X-Forwarded-For，登录限流按真实客户端地址计数",
)
@pass_state
def serve(state: CliState, host: str, port: int, threads: int, trusted_proxy: str | None) -> None:
    """用生产级 WSGI 服务器（waitress）提供服务。"""
    import waitress

    from hostapp import create_app

    runtime = state.migrated_runtime()
    app = create_app(runtime)
    click.echo(f"{runtime.config.name} 运行于 http://{host}:{port}/ （后台 /admin，API /api/v1）")
    options = waitress_options(threads, trusted_proxy)
    waitress.serve(app, host=host, port=port, **options)


def waitress_options(threads: int, trusted_proxy: str | None) -> dict[str, Any]:
    """waitress settings for ``gongzhi serve``: with ``trusted_proxy``, the client's address is
    taken from that proxy's ``X-Forwarded-For`` (and such headers from anyone else dropped)."""
    options: dict[str, Any] = {"threads": threads, "ident": "gongzhi"}
    if trusted_proxy:
        options.update(
            trusted_proxy=trusted_proxy,
            trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"},
            clear_untrusted_proxy_headers=True,
        )
    return options


# --- import ----------------------------------------------------------------------------------


@main.group("import")
def import_group() -> None:
    """批量导入（全部成功才写入）。"""


def _run_import(
    state: CliState, kind: str, file: str, scope: str | None, dry_run: bool, bulk: bool = False
) -> None:
    from core import importer

    runtime = state.migrated_runtime()
    scope_code = scope or runtime.config.locality_code
    if kind == "localities":
        function = importer.import_localities
    else:
        function = importer.bulk_import_persons if bulk else importer.import_persons
    try:
        with state.session(runtime) as session:
            report = function(session, Path(file), scope_code=scope_code, dry_run=dry_run)
    except importer.ImportFailed as exc:  # bad rows and unreadable files alike
        fail(f"{file}：{exc}")
    click.echo(report.summary())


@import_group.command("persons")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--scope", help="只允许导入到该区划及其下级（默认：本级）。")
@click.option("--dry-run", is_flag=True, help="只校验，不写入。")
@click.option(
    "--bulk",
    is_flag=True,
    help="批量写入（适合几十万行以上）：同样逐行校验；审计日志每批一条（含数据摘要），"
    "插件收到每批一个 core.persons_imported 事件。",
)
@pass_state
def import_persons(
    state: CliState, file: str, scope: str | None, dry_run: bool, bulk: bool
) -> None:
    """从 CSV 或 XLSX 导入居民（姓名、身份证号、行政区划代码、电话、户号、与户主关系、标签）。"""
    _run_import(state, "persons", file, scope, dry_run, bulk)


@import_group.command("localities")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--scope", help="只允许导入到该区划及其下级（默认：本级）。")
@click.option("--dry-run", is_flag=True, help="只校验，不写入。")
@pass_state
def import_localities(state: CliState, file: str, scope: str | None, dry_run: bool) -> None:
    """从 CSV 或 XLSX 导入行政区划（代码、名称）。"""
    _run_import(state, "localities", file, scope, dry_run)


# --- audit -----------------------------------------------------------------------------------


@main.group("audit")
def audit_group() -> None:
    """审计日志。"""


@audit_group.command("verify")
@pass_state
def audit_verify(state: CliState) -> None:
    """校验审计日志的哈希链；发现篡改时指出第一条被篡改的记录，退出码 1。"""
    runtime = state.migrated_runtime()
    with runtime.db.new_session() as session:
        result = audit.verify(session)
    if result.ok:
        click.echo(f"审计日志完整：共校验 {result.checked} 条。")
    else:
        fail(
            f"审计日志被篡改：第 {result.broken_id} 条记录——{result.reason}"
            f"（此前 {result.checked} 条完好）"
        )


# --- backup ----------------------------------------------------------------------------------


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_state
def backup_command(state: CliState, file: str) -> None:
    """把数据库备份到一个文件（SQLite 在线备份；PostgreSQL 用 pg_dump）。"""
    from core.backup import BackupError, backup

    runtime = state.runtime()
    try:
        path = backup(runtime, Path(file))
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"已备份到 {path}（{path.stat().st_size} 字节）")


@main.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="确认用备份替换数据库的全部内容。")
@pass_state
def restore_command(state: CliState, file: str, yes: bool) -> None:
    """用备份文件替换数据库的全部内容（请先停止服务）。"""
    from core.backup import BackupError, restore

    if not yes:
        fail("恢复会用备份替换数据库的全部内容；确认无误后加 --yes 再运行")
    runtime = state.runtime()
    try:
        restore(runtime, Path(file))
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"已从 {file} 恢复数据库。")


# --- account ---------------------------------------------------------------------------------


@main.group("account")
def account_group() -> None:
    """后台账号。"""


@account_group.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="姓名或说明。")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help=f"角色，可重复：{', '.join(ROLES)}（以及插件定义的角色）。",
)
@click.option("--scope", "scope_code", required=True, help="管辖区划代码。")
@click.option("--token", is_flag=True, help="同时签发一个 API 令牌（只显示一次）。")
@pass_state
def account_create(
    state: CliState,
    username: str,
    display_name: str,
    roles: tuple[str, ...],
    scope_code: str,
    token: bool,
) -> None:
    """创建后台账号，密码随机生成并只显示一次。"""
    runtime = state.migrated_runtime()
    known = set(runtime.plugins.permissions.roles)
    unknown = [r for r in roles if r not in known]
    if unknown:
        fail(f"--role：未知角色 {', '.join(unknown)}；可用角色：{', '.join(sorted(known))}")
    password = generate_password()
    clear_token = None
    with state.session(runtime) as session:
        if session.get(Locality, scope_code) is None:
            fail(f"--scope：行政区划 {scope_code} 不存在")
        if session.scalar(select(Account.id).where(Account.username == username)):
            fail(f"用户名 {username} 已存在")
        try:
            account = Account(
                username=username,
                display_name=display_name,
                scope_code=scope_code,
                roles=list(roles),
            )
            account.set_password(password)
        except ValueError as exc:
            fail(str(exc))
        session.add(account)
        if token:
            row, clear_token = ApiToken.issue(account, "命令行签发")
            session.add(row)
    click.echo(f"已创建账号 {username}  密码：{password}")
    if clear_token:
        click.echo(f"API 令牌：{clear_token}")
    click.echo("密码和令牌只显示这一次，请妥善保存。")


# `gongzhi plugin new NAME`: tools for plugin authors, which need no config (cli_scaffold.py).
from hostapp.cli_scaffold import plugin_group  # noqa: E402

main.add_command(plugin_group)


if __name__ == "__main__":  # pragma: no cover
    main()
