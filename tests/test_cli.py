"""The ``gongzhi`` command line, as an operator uses it."""

import re

import pytest
import tomli_w
from click.testing import CliRunner
from sqlalchemy import func, select, update

from core.config import parse_config
from core.models import Account, AuditEntry, Locality, Person
from core.runtime import Runtime
from core.testing import make_config_data
from hostapp.cli import main


@pytest.fixture
def cli(tmp_path, database_url):
    """Run ``gongzhi --config <file> ...`` against a config naming the test database."""

    def write(plugins=("example",), **overrides):
        data = make_config_data(database_url, plugins)
        data["deployment"].update(overrides)
        path = tmp_path / "gongzhi.toml"
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        return path

    def run(*args, config=None, plugins=("example",)):
        path = config or write(plugins)
        result = CliRunner().invoke(main, ["--config", str(path), *args], catch_exceptions=False)
        return result

    run.write = write
    run.database_url = database_url
    return run


def _runtime(cli, plugins=("example",)):
    return Runtime(parse_config(make_config_data(cli.database_url, plugins)))


def test_init_writes_a_config_creates_the_database_and_prints_the_admin_password_once(
    tmp_path, database_url
):
    path = tmp_path / "new" / "county.toml"
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(path),
            "init",
            "--name",
            "测试县平台",
            "--locality-code",
            "500243000000",
            "--locality-name",
            "彭水苗族土家族自治县",
            "--database-url",
            database_url,
            "--plugin",
            "example",
        ],
    )
    assert result.exit_code == 0, result.output
    password = re.search(r"密码：(\S+)", result.output)[1]
    assert "只显示这一次" in result.output
    runtime = Runtime(parse_config(__import__("tomllib").loads(path.read_text()), path))
    with runtime.db.transaction() as session:
        admin = session.scalars(select(Account)).one()
        assert admin.check_password(password)
        assert admin.roles == ["county_admin"]
        assert session.get(Locality, "500243000000").name == "彭水苗族土家族自治县"
    assert password not in path.read_text()
    again = CliRunner().invoke(
        main,
        [
            "--config",
            str(path),
            "init",
            "--name",
            "x",
            "--locality-code",
            "500243000000",
            "--locality-name",
            "x",
        ],
    )
    assert again.exit_code == 1 and "已存在" in again.output


def test_db_upgrade_then_current_reports_every_branch_at_head(cli):
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0
    assert "已创建本级行政区划：彭水苗族土家族自治县（500243000000）" in upgraded.output
    assert "已创建本级行政区划" not in cli("db", "upgrade").output
    current = cli("db", "current")
    assert current.exit_code == 0
    assert "core: core_0002（最新）" in current.output
    assert "example: example_0001（最新）" in current.output


def test_db_current_exits_1_on_an_empty_database(cli):
    result = cli("db", "current")
    assert result.exit_code == 1
    assert "未建表" in result.output


def test_plugins_lists_installed_plugins_with_version_title_state_requires_and_hooks(cli):
    result = cli("plugins")
    assert result.exit_code == 0
    assert "example 0.1.0  意见箱  [已启用]" in result.output
    assert "points 0.1.0  积分制  [未启用]" in result.output
    assert "register_admin_views" in result.output
    assert "依赖插件：无" in result.output


def test_config_check_prints_a_summary(cli):
    result = cli("config", "check")
    assert result.exit_code == 0, result.output
    assert "正确" in result.output
    assert "彭水苗族土家族自治县（500243000000，县（区））" in result.output
    assert "example（意见箱）" in result.output


def test_config_check_lists_every_error_and_exits_1(cli, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[deployment]\nname = "x"\nlocality_code = "5002"\ncolour = "red"\n', encoding="utf-8"
    )
    result = cli("config", "check", config=path)
    assert result.exit_code == 1
    assert "deployment.colour: 未知字段" in result.output
    assert "deployment.locality_code: 行政区划代码必须是 12 位数字" in result.output
    assert "deployment.locality_name: 缺少必填项" in result.output


def test_config_check_names_the_line_of_a_toml_syntax_error(cli, tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[deployment]\nname = "x"\nlocality_code = \n', encoding="utf-8")
    result = cli("config", "check", config=path)
    assert result.exit_code == 1
    assert str(path) in result.output
    assert "第 3 行" in result.output


def test_config_check_names_the_exact_path_of_a_bad_plugin_setting(cli, tmp_path):
    data = make_config_data(cli.database_url, ["example"], {"example": {"max_title_length": 500}})
    path = tmp_path / "settings.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    result = cli("config", "check", config=path)
    assert result.exit_code == 1
    assert "plugins.example.max_title_length: 必须在 10 到 100 之间" in result.output


def test_config_check_names_an_unknown_plugin_and_lists_the_installed_ones(cli):
    result = cli("config", "check", config=cli.write(plugins=("exmaple",)))
    assert result.exit_code == 1
    assert "exmaple" in result.output and "example" in result.output


def test_account_create_prints_a_generated_password_and_token_once(cli):
    cli("db", "upgrade")
    with _runtime(cli).db.transaction() as session:
        session.add(Locality(code="500243001000", name="汉葭街道"))
    result = cli(
        "account",
        "create",
        "hanjia",
        "--name",
        "汉葭街道管理员",
        "--role",
        "town_admin",
        "--scope",
        "500243001000",
        "--token",
    )
    assert result.exit_code == 0, result.output
    password = re.search(r"密码：(\S+)", result.output)[1]
    assert re.search(r"API 令牌：(\S+)", result.output)
    with _runtime(cli).db.transaction() as session:
        account = session.scalars(select(Account).where(Account.username == "hanjia")).one()
        assert account.check_password(password)
        audited = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.table_name == "core_account", AuditEntry.channel == "cli")
        )
    assert audited == 1


def test_account_create_refuses_an_unknown_role_or_locality(cli):
    cli("db", "upgrade")
    result = cli(
        "account", "create", "x", "--name", "x", "--role", "king", "--scope", "500243000000"
    )
    assert result.exit_code == 1 and "--role：未知角色 king" in result.output
    result = cli(
        "account", "create", "x", "--name", "x", "--role", "town_admin", "--scope", "500243009000"
    )
    assert result.exit_code == 1 and "--scope：行政区划 500243009000 不存在" in result.output


def test_audit_verify_passes_then_names_the_tampered_entry(cli):
    cli("db", "upgrade")
    runtime = _runtime(cli)
    with runtime.db.transaction() as session:
        session.add(Locality(code="500243001000", name="汉葭街道"))
    ok = cli("audit", "verify")
    assert ok.exit_code == 0 and "共校验 2 条" in ok.output
    with runtime.db.engine.begin() as connection:
        connection.execute(update(AuditEntry).where(AuditEntry.id == 2).values(after={"x": 1}))
    bad = cli("audit", "verify")
    assert bad.exit_code == 1
    assert "第 2 条" in bad.output


def test_import_persons_from_the_command_line_is_all_or_nothing(cli, tmp_path):
    import datetime as dt

    from core.identity import make_id_number

    cli("db", "upgrade")
    with _runtime(cli).db.transaction() as session:
        for code, name in [("500243001000", "镇"), ("500243001001", "村")]:
            session.add(Locality(code=code, name=name))
    good = make_id_number("500243", dt.date(1970, 3, 4), 21)
    path = tmp_path / "people.csv"
    path.write_text(
        f"姓名,身份证号,行政区划代码\n张三,{good},500243001001\n李四,500243197003040211,500243001001\n",
        encoding="utf-8",
    )
    failed = cli("import", "persons", str(path))
    assert failed.exit_code == 1
    assert "第 3 行，身份证号" in failed.output
    with _runtime(cli).db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
    path.write_text(f"姓名,身份证号,行政区划代码\n张三,{good},500243001001\n", encoding="utf-8")
    done = cli("import", "persons", str(path))
    assert done.exit_code == 0, done.output
    with _runtime(cli).db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 1


def test_a_bulk_import_from_the_command_line_checks_every_row_and_audits_each_batch(cli, tmp_path):
    import datetime as dt

    from core.identity import make_id_number

    cli("db", "upgrade")
    with _runtime(cli).db.transaction() as session:
        for code, name in [("500243001000", "镇"), ("500243001001", "村")]:
            session.add(Locality(code=code, name=name))
    rows = [
        f"居民{n},{make_id_number('500243', dt.date(1970, 3, 4), n)},500243001001"
        for n in range(1, 41)
    ]
    path = tmp_path / "people.csv"
    bad = [*rows[:20], "坏行,500243197003040211,500243001001", *rows[20:]]
    path.write_text("姓名,身份证号,行政区划代码\n" + "\n".join(bad) + "\n", encoding="utf-8")
    failed = cli("import", "persons", "--bulk", str(path))
    assert failed.exit_code == 1 and "第 22 行，身份证号" in failed.output
    path.write_text("姓名,身份证号,行政区划代码\n" + "\n".join(rows) + "\n", encoding="utf-8")
    done = cli("import", "persons", "--bulk", str(path))
    assert done.exit_code == 0, done.output
    with _runtime(cli).db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 40
        bulk = session.scalars(select(AuditEntry).where(AuditEntry.action == "bulk")).all()
        assert [entry.table_name for entry in bulk] == ["core_person"]
    assert cli("audit", "verify").exit_code == 0


@pytest.mark.parametrize(
    "command",
    [
        ("config", "describe", "--locality", "500243001001"),
        ("audit", "verify"),
        (
            "account",
            "create",
            "clerk",
            "--name",
            "办事员",
            "--role",
            "village_admin",
            "--scope",
            "500243001001",
        ),
        ("import", "localities", __file__),
    ],
)
def test_commands_that_need_the_tables_say_to_upgrade_first(cli, command):
    result = cli(*command)
    assert result.exit_code == 1
    assert "数据库未升级到最新（core, example）：请先运行 gongzhi db upgrade" in result.output


def test_hook_register_cli_commands_adds_the_plugins_command_group(cli):
    cli("db", "upgrade")
    result = cli("example", "count")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "意见建议共 0 条"
    without = cli("example", "count", plugins=())
    assert without.exit_code == 2 and "No such command" in without.output


def test_a_missing_config_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "nope.toml"), "config", "check"])
    assert result.exit_code == 1
    assert "文件不存在" in result.output


def test_plugins_lists_only_real_hook_implementations(cli):
    result = cli("plugins")
    example = result.output.split("example 0.1.0")[1].split("\n\n")[0]
    hooks_line = next(line for line in example.splitlines() if "实现的钩子" in line)
    assert "func" not in hooks_line.split("：")[1].split(", ")


def test_an_unknown_permission_granted_in_the_config_is_a_clean_error(cli, tmp_path):
    data = make_config_data(cli.database_url, ["example"])
    data["roles"] = {"village_admin": {"permissions": ["example.suggestion.fly"]}}
    path = tmp_path / "roles.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    result = cli("config", "check", config=path)
    assert result.exit_code == 1
    assert "roles.village_admin.permissions: 未知权限 example.suggestion.fly" in result.output
    assert "Traceback" not in result.output


def test_demo_seeds_after_db_upgrade_created_the_root_and_is_idempotent_with_if_empty(cli):
    config = cli.write(demo=True)
    assert cli("db", "upgrade", config=config).exit_code == 0
    seeded = cli("demo", "--residents", "60", "--if-empty", config=config)
    assert seeded.exit_code == 0, seeded.output
    assert "演示账号" in seeded.output and "county_admin" in seeded.output
    again = cli("demo", "--if-empty", config=config)
    assert again.exit_code == 0 and "跳过" in again.output and "county_admin" in again.output
    refused = cli("demo", config=config)
    assert refused.exit_code == 1


def test_demo_refuses_a_deployment_not_marked_as_demo(cli):
    result = cli("demo")
    assert result.exit_code == 1 and "不是演示部署" in result.output


def test_importing_an_unreadable_file_is_a_clear_error(cli, tmp_path):
    cli("db", "upgrade")
    path = tmp_path / "people.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0 not really excel")
    result = cli("import", "persons", str(path))
    assert result.exit_code == 1
    assert str(path) in result.output and "Traceback" not in result.output
