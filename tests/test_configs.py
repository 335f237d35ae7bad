"""The shipped configurations: each locality of the reports gets its plugins, settings and a demo
that looks like it (configs/*.toml, configs/places/*.toml, docs/localities.md)."""

from __future__ import annotations

import collections
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner
from sqlalchemy import func, select
from stdnum import numdb

from core.config import DATABASE_URL_ENV, ConfigError, load_config, parse_config
from core.demo import (
    DEFAULT_PLACE,
    DemoError,
    PlaceFileSchema,
    load_place,
    place_for,
    seed_demo,
)
from core.localities import Level, is_within, level_of
from core.models import Account, Locality, Membership, Organization, OrganizationKind, Person
from core.runtime import Runtime, plugin_settings
from core.testing import make_config_data
from hostapp.cli import main
from plugins.assistance.models import AssistanceApplication, CareFund
from plugins.consultation.models import (
    ConsultationAssignment,
    ConsultationDeliberation,
    ConsultationMatter,
)
from plugins.points.models import PointsAccount, PointsClaim, PointsMerchant, PointsRankingSnapshot
from plugins.supervision.models import InspectionRound, Voucher

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"
SHIPPED = {
    "jiangyan": ("321204000000", "姜堰区", {"supervision", "assistance", "consultation"}),
    "pengshui": ("500243000000", "彭水苗族土家族自治县", {"consultation", "points", "assistance"}),
    "xiantao": ("429004000000", "仙桃市", {"points", "consultation", "assistance"}),
    "dingyuan": ("341125000000", "定远县", {"supervision", "consultation"}),
}
RESIDENTS = 300


def gongzhi(config: Path, *args: str) -> str:
    """Run ``gongzhi --config CONFIG ARGS``; fail the test with its output unless it succeeds."""
    result = CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def shipped(database_url, monkeypatch) -> Iterator[Callable[[str], Runtime]]:
    """Upgrade, seed and check a shipped config against the test database (never instance/)."""
    runtimes: list[Runtime] = []

    def run(name: str) -> Runtime:
        monkeypatch.setenv(DATABASE_URL_ENV, database_url)
        config = CONFIGS / f"{name}.toml"
        gongzhi(config, "db", "upgrade")
        seeded = gongzhi(config, "demo", "--residents", str(RESIDENTS))
        assert f"居民 {RESIDENTS}" in seeded
        assert "正确" in gongzhi(config, "config", "check")
        runtime = Runtime(load_config(config))
        assert runtime.config.database_url == database_url
        runtimes.append(runtime)
        return runtime

    yield run
    for runtime in runtimes:
        runtime.close()


def towns_and_villages(session) -> dict[str, list[str]]:
    """Each town's name with the names of its villages and communities."""
    names = dict(session.execute(select(Locality.code, Locality.name)).all())
    tree: dict[str, list[str]] = collections.defaultdict(list)
    for code, name in names.items():
        if level_of(code) is Level.VILLAGE:
            tree[names[code[:9] + "000"]].append(name)
    return tree


def in_force(runtime: Runtime, plugin: str, place: str) -> dict:
    """The settings of ``plugin`` in force at the town or village called ``place`` (一村一策)."""
    with runtime.db.new_session() as session:
        code = session.scalar(select(Locality.code).where(Locality.name == place))
        assert code is not None, place
        return plugin_settings(session, plugin, code)


def count(session, statement) -> int:
    return session.scalar(select(func.count()).select_from(statement.subquery()))


# --- every shipped config --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_each_shipped_config_names_a_real_county_its_plugins_and_its_own_database(name):
    code, locality, plugins = SHIPPED[name]
    config = load_config(CONFIGS / f"{name}.toml")
    assert (config.locality_code, config.locality_name) == (code, locality)
    assert level_of(code) is Level.COUNTY
    official = numdb.get("cn/loc").info(code[:6])[-1][1]["county"]
    assert official.endswith(locality), f"{code} is {official} in the national division list"
    assert set(config.enabled_plugins) == plugins
    assert config.demo
    assert config.database_url == f"sqlite:///{REPO / 'instance' / name}.db"
    place = place_for(config)
    assert place.source == CONFIGS / "places" / f"{name}.toml"
    assert len(place.towns) >= 4


def test_make_demo_still_seeds_pengshui_with_all_four_plugins():
    config = load_config(CONFIGS / "demo.toml")
    assert config.enabled_plugins == ["points", "assistance", "supervision", "consultation"]
    assert place_for(config).source == DEFAULT_PLACE == CONFIGS / "places" / "pengshui.toml"


def test_a_config_without_a_demo_table_looks_like_pengshui(database_url):
    config = parse_config(make_config_data(database_url))
    assert place_for(config).source == DEFAULT_PLACE


# --- Jiangyan ----------------------------------------------------------------------------------


def test_jiangyan_supervises_jointly_assists_at_one_window_and_consults_in_micro_forms(shipped):
    runtime = shipped("jiangyan")
    assert in_force(runtime, "supervision", "甘林村")["rectification_days"] == 15
    assert in_force(runtime, "consultation", "西陈庄村")["acceptance_days"] == 1
    settings = runtime.plugins.settings("consultation")
    with runtime.db.transaction() as session:
        tree = towns_and_villages(session)
        assert {"罗塘街道", "兴泰镇", "溱潼镇", "沈高镇"} <= tree.keys()
        assert "西陈庄村" in tree["兴泰镇"]  # the national model village of the report

        people = session.scalars(select(Person)).all()
        assert all(p.id_number.startswith("321204") for p in people)
        local = {"缪", "储", "仲", "顾", "蒋", "钱"}
        assert any(p.name[0] in local for p in people)
        councils = session.scalars(
            select(Organization.name).where(Organization.kind == OrganizationKind.COUNCIL)
        ).all()
        for council in ("村民议事会", "红白理事会", "禁毒禁赌会", "道德评议会"):  # 四会
            assert any(name.endswith(council) for name in councils)
        phones = session.scalars(
            select(Organization.contact_phone).where(Organization.contact_phone.like("0%"))
        ).all()
        assert phones and all(re.fullmatch(r"0523-88\d{6}", p) for p in phones)

        # 三责一体: the town's discipline commission draws and inspects its villages, the
        # village's supervision committee audits the vouchers its clerk makes.
        joint = session.scalars(select(Account).where(Account.username == "xingtai_jiwei")).one()
        assert joint.roles == ["joint_supervisor"]
        rounds = session.scalars(
            select(InspectionRound).where(InspectionRound.drawn_by == "account:xingtai_jiwei")
        ).all()
        assert [r.locality_code for r in rounds] == [joint.scope_code]
        assert "三责一体" in rounds[0].note
        committee = session.scalars(
            select(Account).where(Account.username == "xichenzhuang_jianwei")
        ).one()
        audited = session.scalars(
            select(Voucher.audited_by).where(
                Voucher.locality_code == committee.scope_code, Voucher.audited_by.is_not(None)
            )
        ).all()
        assert audited and set(audited) == {"account:xichenzhuang_jianwei"}
        assert session.scalar(select(func.count()).select_from(Voucher)) > len(audited)

        # 一证一书、一门受理, and no party care fund: the report does not describe one.
        programmes = set(session.scalars(select(AssistanceApplication.programme)))
        assert {"minimum_living", "temporary"} <= programmes
        assert "party_care" not in programmes
        assert session.scalar(select(func.count()).select_from(CareFund)) == 0
        banks = set(session.scalars(select(AssistanceApplication.payee_bank)))
        assert banks == {"江苏姜堰农村商业银行"}

        # 议办 by the village's first council (the default division of 四办).
        deliberating = session.scalars(
            select(Organization.kind)
            .join(ConsultationAssignment, ConsultationAssignment.organization_id == Organization.id)
            .where(ConsultationAssignment.role == "deliberate")
        ).all()
        assert deliberating and set(deliberating) == {OrganizationKind.COUNCIL.value}

        # 微协商 and the 微治理 items of the catalogue.
        forms = set(session.scalars(select(ConsultationDeliberation.form)))
        assert "微协商" in forms
        assert forms <= set(settings["meeting_forms"])
        items = set(session.scalars(select(ConsultationMatter.item_code)))
        assert items <= {i["code"] for c in settings["catalogue"] for i in c["items"]}
        assert items & {"C01", "C02", "C03", "C04"}


# --- Pengshui ----------------------------------------------------------------------------------


def test_pengshui_triages_matters_over_its_4_16_catalogue_and_scores_points_in_the_countryside(
    shipped,
):
    runtime = shipped("pengshui")
    catalogue = runtime.plugins.settings("consultation")["catalogue"]
    assert [c["name"] for c in catalogue] == [
        "制度建设类",
        "公共事务公益事业类",
        "村（居）务管理类",
        "其他类",
    ]
    assert sum(len(c["items"]) for c in catalogue) == 16
    street = "500243001000"  # 汉葭街道: urban, no 积分制
    with runtime.db.transaction() as session:
        tree = towns_and_villages(session)
        assert {"汉葭街道", "保家镇", "郁山镇", "鞍子镇"} <= tree.keys()
        triaged = collections.Counter(
            session.scalars(
                select(ConsultationMatter.triage).where(ConsultationMatter.triage.is_not(None))
            )
        )
        assert {"major", "minor", "private"} <= triaged.keys()  # 大事、小事、私事
        forms = set(session.scalars(select(ConsultationDeliberation.form)))
        # The county's forms, plus 中心村's own 板凳会 (一村一策, from the place file).
        assert forms and forms <= {"村民议事会", "小组会", "院坝会", "板凳会"}

        places = set(session.scalars(select(PointsClaim.locality_code)))
        assert places and not any(is_within(code, street) for code in places)
        accounts = session.scalars(select(PointsAccount.locality_code)).all()
        assert not any(is_within(code, street) for code in accounts)
    assert "supervision" not in runtime.plugins.names  # the report has no 村务监督
    # 一村一策 from the place file: 保家镇's notice period, 中心村's own forms of meeting.
    assert in_force(runtime, "points", "楠木村")["notice_days"] == 5
    assert in_force(runtime, "points", "郁山社区")["notice_days"] == 7
    assert "板凳会" in in_force(runtime, "consultation", "中心村")["meeting_forms"]
    assert "板凳会" not in in_force(runtime, "consultation", "楠木村")["meeting_forms"]
    with runtime.db.new_session() as session:
        centre = session.scalar(select(Locality.code).where(Locality.name == "中心村"))
        held = set(
            session.scalars(
                select(ConsultationDeliberation.form).where(
                    ConsultationDeliberation.locality_code == centre
                )
            )
        )
    assert held <= {"村民议事会", "院坝会", "板凳会"}  # 中心村's meetings follow its own forms


# --- Xiantao -----------------------------------------------------------------------------------


def test_xiantao_pilots_points_with_a_love_supermarket_and_two_indices_and_funds_party_care(
    shipped,
):
    runtime = shipped("xiantao")
    assert in_force(runtime, "points", "大岭村")["notice_days"] == 3
    assert in_force(runtime, "points", "满庭春社区")["portal_names"] == "full"
    assert in_force(runtime, "points", "四合村")["portal_names"] == "masked"
    pilots = runtime.config.coverage["points"].only
    with runtime.db.transaction() as session:
        names = dict(session.execute(select(Locality.code, Locality.name)).all())
        assert names["420000000000"] == "湖北省"
        assert {names[code] for code in pilots} == {"满庭春社区", "大岭村", "四合村"}
        tree = towns_and_villages(session)
        assert "大岭村" in tree["彭场镇"] and "四合村" in tree["长埫口镇"]

        def in_pilots(code: str) -> bool:
            return any(is_within(code, pilot) for pilot in pilots)

        for model in (PointsClaim, PointsAccount, PointsMerchant, PointsRankingSnapshot):
            placed = set(session.scalars(select(model.locality_code)))
            assert placed and all(in_pilots(code) for code in placed), model.__name__
        schemes = set(session.scalars(select(PointsAccount.scheme)))
        assert {"resident", "pioneer", "bastion"} <= schemes  # 积分, 先锋指数, 堡垒指数
        merchants = set(session.scalars(select(PointsMerchant.name)))
        assert "满庭春公益联盟共享超市" in merchants

        roles = set(session.scalars(select(Membership.role)))
        assert {"卫生员", "技术员", "河湖长", "路长", "警长", "片长", "楼栋长"} <= roles  # 三员三长
        councils = session.scalars(
            select(Organization.name).where(Organization.kind == OrganizationKind.COUNCIL)
        ).all()
        assert any(name.endswith("共同缔造理事会") for name in councils)

        fund = session.scalars(select(CareFund)).one()
        assert fund.name == "仙桃市党内关爱资金"
        assert fund.raised > 0

        # 四办: 村党组织议办、乡镇党委协办、工作专班督办.
        offices = collections.defaultdict(set)
        for role, kind, code, name in session.execute(
            select(
                ConsultationAssignment.role,
                Organization.kind,
                Organization.locality_code,
                Organization.name,
            ).join(Organization, Organization.id == ConsultationAssignment.organization_id)
        ):
            offices[role].add((kind, level_of(code).value, name))
        assert {"lead", "deliberate", "assist", "supervise"} <= offices.keys()
        assert {(k, level) for k, level, _ in offices["deliberate"]} == {
            ("party_branch", "village")
        }
        assert {(k, level) for k, level, _ in offices["assist"]} == {("party_branch", "town")}
        assert {name for _, _, name in offices["supervise"]} == {"仙桃市共同缔造工作专班"}
        forms = set(session.scalars(select(ConsultationDeliberation.form)))
        assert forms and forms <= set(runtime.plugins.settings("consultation")["meeting_forms"])


# --- Dingyuan ----------------------------------------------------------------------------------


def test_dingyuan_supervises_every_village_in_the_sun_and_consults_in_its_own_forms(shipped):
    runtime = shipped("dingyuan")
    assert in_force(runtime, "supervision", "桥东村")["rectification_days"] == 20
    assert in_force(runtime, "supervision", "七里村")["rectification_days"] == 30
    with runtime.db.transaction() as session:
        tree = towns_and_villages(session)
        assert {"定城镇", "炉桥镇", "藕塘镇", "池河镇"} <= tree.keys()
        villages = set(session.scalars(select(Locality.code).where(Locality.level == "village")))
        committees = set(
            session.scalars(
                select(Organization.locality_code).where(
                    Organization.kind == OrganizationKind.SUPERVISION_COMMITTEE
                )
            )
        )
        assert committees == villages  # 全面建立健全村务监督委员会
        booked = count(
            session, select(Voucher.id).where(Voucher.state.in_(["booked", "disclosed"]))
        )
        assert booked > 0
        forms = set(session.scalars(select(ConsultationDeliberation.form)))
        assert forms and forms <= set(runtime.plugins.settings("consultation")["meeting_forms"])
        people = session.scalars(select(Person.id_number)).all()
        assert all(number.startswith("341125") for number in people)
        assert "points" not in runtime.plugins.names and "assistance" not in runtime.plugins.names


# --- place descriptions ------------------------------------------------------------------------


def test_a_place_description_with_mistakes_is_refused_naming_each_field(tmp_path):
    place = tmp_path / "place.toml"
    place.write_text(
        """
landline = "88######"
surnames = ["王", "李"]
bank = "银行"
collective_bank = "农商行"

[[social_organizations]]
name = "协会"
type = "social_group"
town = "没有这个镇"

[[towns]]
code = "1"
name = "甲镇"
villages = []
""",
        encoding="utf-8",
    )
    with pytest.raises(DemoError) as caught:
        load_place(place)
    message = str(caught.value)
    assert str(place) in message
    assert "landline" in message
    assert "surnames: 至少列出 3 个当地常见姓氏" in message
    assert "towns[0].code: 必须是 3 位数字" in message
    assert "towns[0].villages: 至少要有一个村（社区）" in message


def test_a_social_organisation_of_an_unknown_town_is_refused(tmp_path):
    text = (CONFIGS / "places" / "dingyuan.toml").read_text(encoding="utf-8")
    place = tmp_path / "place.toml"
    place.write_text(text.replace('town = "炉桥镇"', 'town = "桥炉镇"'), encoding="utf-8")
    with pytest.raises(DemoError, match=r"social_organizations\[4\]\.town: 没有名为 桥炉镇 的乡镇"):
        load_place(place)


def test_a_missing_place_file_is_named(tmp_path, database_url):
    data = make_config_data(database_url)
    data["demo"] = {"place": "places/nowhere.toml"}
    config = parse_config(data, tmp_path / "county.toml")
    with pytest.raises(DemoError, match=r"nowhere\.toml 不存在"):
        place_for(config)


def test_config_check_reads_the_place_file_too(tmp_path, database_url):
    from click.testing import CliRunner

    from hostapp.cli import main

    data = make_config_data(database_url, demo=True)
    data["demo"] = {"place": "nowhere.toml"}
    path = tmp_path / "county.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    missing = CliRunner().invoke(main, ["--config", str(path), "config", "check"])
    assert missing.exit_code == 1 and "nowhere.toml 不存在" in missing.output
    data["demo"] = {"place": str(CONFIGS / "places" / "dingyuan.toml")}
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    found = CliRunner().invoke(main, ["--config", str(path), "config", "check"])
    assert found.exit_code == 0 and "演示数据地方描述：dingyuan.toml" in found.output


def test_the_demo_table_takes_only_a_toml_place(database_url):
    data = make_config_data(database_url)
    data["demo"] = {"place": "places/pengshui.csv", "colour": "red"}
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert "demo.place: 必须是 .toml 文件（相对本配置文件的路径）" in caught.value.errors
    assert any(error.startswith("demo.colour") for error in caught.value.errors)


def test_a_demo_account_with_a_role_the_config_does_not_define_is_refused(make_runtime, tmp_path):
    text = (CONFIGS / "places" / "jiangyan.toml").read_text(encoding="utf-8")
    place = tmp_path / "jiangyan.toml"
    place.write_text(text, encoding="utf-8")
    runtime = make_runtime()
    runtime.config.raw["demo"] = {"place": str(place)}
    with pytest.raises(
        DemoError, match=r"角色 joint_supervisor 未定义.*\[roles\.joint_supervisor\]"
    ):
        seed_demo(runtime, residents=40)
    with runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_docs_localities_documents_exactly_the_keys_a_place_file_takes():
    text = (REPO / "docs" / "localities.md").read_text(encoding="utf-8")
    table = text.split("A place file has these keys")[1].split("\n\n")[1]
    documented = re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE)
    assert sorted(documented) == sorted(PlaceFileSchema().fields)


def test_docs_localities_names_every_shipped_config():
    text = (REPO / "docs" / "localities.md").read_text(encoding="utf-8")
    for name in SHIPPED:
        assert f"(../configs/{name}.toml)" in text
        assert (CONFIGS / f"{name}.toml").exists()
