"""一村一策: the config's plugin settings are the county's defaults; towns and villages override
them in the admin, the nearest override up the tree wins, every override is audited, and
``gongzhi config describe --locality CODE`` says where each value came from."""

from __future__ import annotations

import pytest
import tomli_w
from click.testing import CliRunner
from helpers import csrf_token, flashes, logged_in, make_app
from sqlalchemy import func, select

from core.audit import AuditEntry, verify
from core.models import SettingOverride
from core.runtime import Runtime, plugin_settings
from core.settings import SettingOverrideError, check_override, describe_settings
from core.testing import add_account, make_config_data, seed_tree
from hostapp.cli import main

COUNTY = "500243000000"
HANJIA = "500243001000"  # 汉葭街道
CHENGNAN = "500243001001"  # 城南社区
CHANGTAN = "500243001002"  # 长滩村
BAOJIA = "500243101000"  # 保家镇
NEW_URL = "/admin/settingoverride/new/"


@pytest.fixture
def county(make_runtime) -> Runtime:
    """The suggestion box with a county default for ``title_suffix``, the tree and accounts."""
    runtime = make_runtime(["example"], settings={"example": {"title_suffix": "（县级示范）"}})
    with runtime.db.transaction() as session:
        seed_tree(session)
        add_account(session, "county", COUNTY, ["county_admin"])
        add_account(session, "hanjia", HANJIA, ["town_admin"])
        add_account(session, "chengnan", CHENGNAN, ["village_admin"])
    return runtime


def override(runtime: Runtime, code: str, key: str, value) -> None:
    with runtime.db.transaction(actor="test") as session:
        check_override(session, "example", key, value, code)
        session.add(SettingOverride(locality_code=code, plugin="example", key=key, value=value))


def test_a_town_override_holds_for_its_villages_until_a_village_sets_its_own(county):
    override(county, HANJIA, "title_suffix", "（街道示范）")
    with county.db.new_session() as session:
        assert plugin_settings(session, "example", CHANGTAN)["title_suffix"] == "（街道示范）"
        assert plugin_settings(session, "example", BAOJIA)["title_suffix"] == "（县级示范）"
        assert plugin_settings(session, "example")["title_suffix"] == "（县级示范）"
    override(county, CHENGNAN, "title_suffix", "（城南自定）")
    with county.db.new_session() as session:
        assert plugin_settings(session, "example", CHENGNAN)["title_suffix"] == "（城南自定）"
        assert plugin_settings(session, "example", CHANGTAN)["title_suffix"] == "（街道示范）"


def test_each_value_says_whether_it_is_a_default_the_config_or_an_override(county):
    override(county, HANJIA, "max_title_length", 50)
    with county.db.new_session() as session:
        described = {item.key: item for item in describe_settings(session, "example", CHENGNAN)}
    assert described["model_villages"].source == "default"
    assert described["model_villages"].source_label == "插件默认值"
    assert described["title_suffix"].source_label == "部署配置"
    assert described["max_title_length"].value == 50
    assert described["max_title_length"].source_label == f"一村一策：汉葭街道（{HANJIA}）"


def test_an_override_the_plugin_would_refuse_is_refused_with_the_setting_named(county):
    with county.db.new_session() as session:
        with pytest.raises(SettingOverrideError, match=r"plugins\.example\.max_title_length"):
            check_override(session, "example", "max_title_length", 5, HANJIA)
        with pytest.raises(SettingOverrideError, match="没有可在本地覆盖的设置项 colour"):
            check_override(session, "example", "colour", "red", HANJIA)
        with pytest.raises(SettingOverrideError, match="插件 points 未启用"):
            check_override(session, "points", "notice_days", 3, HANJIA)


def test_a_town_admin_overrides_a_setting_in_the_admin_and_residents_see_it(county):
    app = make_app(county)
    town = logged_in(app, "hanjia")
    form = {
        "csrf_token": csrf_token(town, NEW_URL),
        "locality": HANJIA,
        "setting": "example:model_villages",
        "value": f'["{CHENGNAN}"]',
        "reason": "街道党工委会议纪要 2026 年第 7 号",
    }
    saved = town.post(NEW_URL, data=form, follow_redirects=True)
    assert "创建记录成功" in saved.get_data(as_text=True)
    portal = app.test_client().get(f"/l/{CHENGNAN}").get_data(as_text=True)
    assert "城南社区（县级示范）" in portal
    with county.db.new_session() as session:
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "core_setting_override")
        ).all()
        assert [(entry.action, entry.actor) for entry in audited] == [("create", "account:hanjia")]
        assert verify(session).ok


def test_a_bad_value_in_the_admin_is_refused_and_nothing_is_written(county):
    app = make_app(county)
    town = logged_in(app, "hanjia")
    token = csrf_token(town, NEW_URL)
    base = {"csrf_token": token, "locality": HANJIA, "reason": ""}
    cases = [
        ({"setting": "example:max_title_length", "value": "5"}, "max_title_length"),
        ({"setting": "example:max_title_length", "value": "五十"}, "无法解析取值"),
        ({"setting": "example:model_villages", "value": '"单个"'}, "model_villages"),
    ]
    for data, expected in cases:
        page = town.post(NEW_URL, data={**base, **data}, follow_redirects=True)
        assert any(expected in message for message in flashes(page.get_data(as_text=True)))
    with county.db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(SettingOverride)) == 0


def test_the_county_default_is_changed_in_the_config_not_as_an_override(county):
    app = make_app(county)
    admin = logged_in(app, "county")
    form = {
        "csrf_token": csrf_token(admin, NEW_URL),
        "locality": COUNTY,
        "setting": "example:title_suffix",
        "value": "（改）",
        "reason": "",
    }
    page = admin.post(NEW_URL, data=form, follow_redirects=True).get_data(as_text=True)
    assert any("请在部署配置文件中修改" in message for message in flashes(page))


def test_a_village_cannot_set_a_value_for_its_neighbour(county):
    app = make_app(county)
    village = logged_in(app, "chengnan")
    form_page = village.get(NEW_URL).get_data(as_text=True)
    assert CHANGTAN not in form_page
    form = {
        "csrf_token": csrf_token(village, NEW_URL),
        "locality": CHANGTAN,
        "setting": "example:title_suffix",
        "value": "（长滩）",
        "reason": "",
    }
    village.post(NEW_URL, data=form, follow_redirects=True)
    with county.db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(SettingOverride)) == 0


def test_only_the_villages_own_overrides_are_listed_to_it(county):
    override(county, CHENGNAN, "title_suffix", "（城南）")
    override(county, CHANGTAN, "title_suffix", "（长滩）")
    page = logged_in(make_app(county), "chengnan").get("/admin/settingoverride/")
    text = page.get_data(as_text=True)
    assert "（城南）" in text and "（长滩）" not in text


# -- gongzhi config describe --------------------------------------------------------------------


@pytest.fixture
def describe(county, tmp_path, database_url):
    data = make_config_data(
        database_url, ["example"], {"example": {"title_suffix": "（县级示范）"}}
    )
    path = tmp_path / "county.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")

    def run(*args: str):
        return CliRunner().invoke(main, ["--config", str(path), "config", "describe", *args])

    return run


def test_describe_prints_each_effective_value_and_its_source(county, describe):
    override(county, HANJIA, "title_suffix", "（街道示范）")
    result = describe("--locality", CHENGNAN)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"城南社区（{CHENGNAN}，村（社区））"
    assert "意见箱（example）：在此启用" in result.output
    at = lines.index('  title_suffix（示范村标题后缀）= "（街道示范）"')
    assert lines[at + 1].strip() == f"来源：一村一策：汉葭街道（{HANJIA}）"
    at = lines.index("  max_title_length（max_title_length）= 100")
    assert lines[at + 1].strip() == "来源：插件默认值"
    assert lines[lines.index("  model_villages（示范村的区划代码）= []") + 1].strip() == (
        "来源：插件默认值"
    )


def test_describe_names_a_bad_or_unknown_locality(describe):
    assert "--locality：" in describe("--locality", "12345").output
    outside = describe("--locality", "110101001001")
    assert outside.exit_code == 1 and "不在本部署的行政区划" in outside.output
    missing = describe("--locality", "500243101009")
    assert missing.exit_code == 1 and "行政区划 500243101009 不存在" in missing.output
    unknown = describe("--locality", CHENGNAN, "--plugin", "points")
    assert unknown.exit_code == 1 and "插件 points 未启用" in unknown.output


def test_editing_an_override_shows_its_value_and_audits_the_change(county):
    override(county, HANJIA, "model_villages", [CHANGTAN])
    with county.db.new_session() as session:
        row_id = session.scalars(select(SettingOverride.id)).one()
    app = make_app(county)
    town = logged_in(app, "hanjia")
    url = f"/admin/settingoverride/edit/?id={row_id}"
    form_page = town.get(url).get_data(as_text=True)
    assert f"[&#34;{CHANGTAN}&#34;]" in form_page or f'["{CHANGTAN}"]' in form_page
    form = {
        "csrf_token": csrf_token(town, url),
        "locality": HANJIA,
        "setting": "example:model_villages",
        "value": f'["{CHANGTAN}", "{CHENGNAN}"]',
        "reason": "补充城南社区",
    }
    town.post(url, data=form, follow_redirects=True)
    with county.db.new_session() as session:
        assert plugin_settings(session, "example", CHENGNAN)["model_villages"] == [
            CHANGTAN,
            CHENGNAN,
        ]
        change = session.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "core_setting_override", AuditEntry.action == "update"
            )
        ).one()
        assert change.before["value"] == [CHANGTAN]
        assert change.after["value"] == [CHANGTAN, CHENGNAN]
