"""The demo county: a realistic, reproducible, audited county that seeds once and only once."""

from __future__ import annotations

import collections
import datetime as dt
import random
import re
import time
import types
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import selectinload
from stdnum.cn import uscc

from core import audit, hookimpl
from core.config import DATABASE_URL_ENV, load_config, parse_config
from core.demo import DEMO_PASSWORD, DEMO_REFERENCE_DATE, DemoError, seed_demo
from core.identity import normalize_id_number, sex_of
from core.localities import is_within, level_of
from core.manifest import PluginManifest
from core.models import (
    Account,
    AuditEntry,
    Household,
    Locality,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    Tag,
)
from core.plugin_manager import installed_entry_points
from core.runtime import Runtime
from core.testing import COUNTY, make_config_data, reset_postgres

PLUGINS = ["points", "assistance", "supervision", "consultation"]
REPO = Path(__file__).resolve().parents[1]
MOBILE = re.compile(r"^1[3-9]\d{9}$")
AS_OF = min(DEMO_REFERENCE_DATE, dt.date.today())


def age(person: Person) -> int:
    return person.age_on(AS_OF)


def localities_by_level(session) -> dict[str, list[Locality]]:
    levels: dict[str, list[Locality]] = collections.defaultdict(list)
    for locality in session.scalars(select(Locality).order_by(Locality.code)):
        levels[locality.level].append(locality)
    return levels


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def demo(make_runtime) -> Runtime:
    """A runtime with the four plugins and a small demo county (300 residents)."""
    runtime = make_runtime(PLUGINS)
    seed_demo(runtime, residents=300)
    return runtime


def test_the_demo_county_has_a_complete_tree_of_real_town_names(demo):
    with demo.db.transaction() as session:
        levels = localities_by_level(session)
        assert [(x.code, x.name) for x in levels["province"]] == [("500000000000", "重庆市")]
        assert [x.code for x in levels["city"]] == ["500200000000"]
        assert [(x.code, x.name) for x in levels["county"]] == [COUNTY]
        towns = {x.name for x in levels["town"]}
        assert {"汉葭街道", "保家镇", "郁山镇", "鞍子镇"} <= towns
        assert len(levels["village"]) >= 12
        assert levels["group"], "some villages have 村民小组"
        for locality in [*levels["town"], *levels["village"], *levels["group"]]:
            assert is_within(locality.code, COUNTY[0])
            assert session.get(Locality, locality.parent_code) is not None
        for town in levels["town"]:
            villages = [v for v in levels["village"] if v.parent_code == town.code]
            assert 3 <= len(villages) <= 5
            assert len({v.name for v in villages}) == len(villages)
        for group in levels["group"]:
            assert len(group.code) == 15
            assert group.name.endswith("组")


def test_two_thousand_residents_are_valid_and_seeded_without_per_row_queries(make_runtime):
    runtime = make_runtime()  # core's own seeding: plugins' demos are their own tests' business
    statements: list[str] = []

    @event.listens_for(runtime.db.engine, "before_cursor_execute")
    def record(_conn, _cursor, statement, _params, _context, _many):
        statements.append(statement.lstrip().split(None, 1)[0].upper())

    started = time.perf_counter()
    summary = seed_demo(runtime)
    elapsed = time.perf_counter() - started
    event.remove(runtime.db.engine, "before_cursor_execute", record)

    assert summary.residents == 2000
    # Lookups are done once, never per row: the number of queries does not grow with residents.
    assert statements.count("SELECT") < 200
    assert elapsed < 60

    with runtime.db.transaction() as session:
        people = session.scalars(
            select(Person).options(selectinload(Person.tags), selectinload(Person.household))
        ).all()
        assert len(people) == 2000
        assert len({p.id_number for p in people}) == 2000
        ages = []
        for person in people:
            assert normalize_id_number(person.id_number) == person.id_number
            assert person.id_number.startswith("500243")
            assert person.sex == sex_of(person.id_number)
            assert is_within(person.locality_code, COUNTY[0])
            assert level_of(person.locality_code).value in {"village", "group"}
            assert person.household is not None
            assert person.household.locality_code == person.locality_code
            years = age(person)
            ages.append(years)
            assert 0 <= years <= 95
            if years < 18:
                assert person.phone is None
            elif person.phone is not None:
                assert MOBILE.match(person.phone)
            assert person.has_tag("老年人") == (years >= 65)
            if person.has_tag("留守儿童"):
                assert years < 16
        assert sum(1 for a in ages if a < 16) > 200
        assert sum(1 for a in ages if a >= 65) > 100
        adults = [p for p in people if age(p) >= 18]
        assert sum(1 for p in adults if p.phone) > 0.8 * len(adults)
        party = sum(1 for p in adults if p.has_tag("党员"))
        assert 0.05 * len(adults) < party < 0.13 * len(adults)
        disabled = sum(1 for p in people if p.has_tag("残疾人"))
        assert 0.005 * len(people) < disabled < 0.05 * len(people)
        for name in ("留守儿童", "留守老人", "退役军人"):
            assert any(p.has_tag(name) for p in people), name

        households = session.scalars(select(Household).options(selectinload(Household.members)))
        sizes = collections.Counter()
        for household in households:
            assert 1 <= len(household.members) <= 6
            assert [m.relation for m in household.members].count("户主") == 1
            assert {m.relation for m in household.members} <= {
                "户主",
                "配偶",
                "子女",
                "父母",
                "孙子女",
            }
            sizes[len(household.members)] += 1
        assert set(sizes) == {1, 2, 3, 4, 5, 6}
        assert sum(sizes.values()) == summary.households
        assert audit.verify(session).ok


def test_every_kind_of_organisation_is_staffed_by_its_own_residents(demo):
    with demo.db.transaction() as session:
        organizations = session.scalars(
            select(Organization).options(
                selectinload(Organization.memberships)
                .selectinload(Membership.person)
                .selectinload(Person.tags)
            )
        ).all()
        kinds = collections.Counter(o.kind for o in organizations)
        for kind in OrganizationKind:
            if kind is not OrganizationKind.OTHER:
                assert kinds[kind.value] > 0, kind
        villages = session.scalars(select(Locality).where(Locality.level == "village")).all()
        by_place = collections.defaultdict(set)
        for organization in organizations:
            by_place[organization.locality_code].add(organization.kind)
        for village in villages:
            committee = (
                "residents_committee" if village.name.endswith("社区") else "village_committee"
            )
            assert {"party_branch", committee, "supervision_committee"} <= by_place[village.code]
        for department in (o for o in organizations if o.kind == "government_department"):
            assert department.locality_code == COUNTY[0]
        assert any(o.name.endswith("民政局") for o in organizations)

        socials = [o for o in organizations if o.kind == "social_organization"]
        assert {o.social_type for o in socials} == {"social_group", "private_non_enterprise"}
        for social in socials:
            assert uscc.is_valid(social.credit_code)
            assert social.registered_on <= social.last_inspection_on <= AS_OF
            assert social.last_inspection_result
        assert any(o.name.endswith("超市") for o in organizations if o.kind == "merchant")

        roles = collections.Counter()
        for organization in organizations:
            for membership in organization.memberships:
                roles[membership.role] += 1
                assert membership.start_on is not None and membership.start_on <= AS_OF
                assert membership.start_on > membership.person.birth_date
                assert is_within(membership.person.locality_code, organization.locality_code)
                if organization.kind == "party_branch":
                    assert membership.person.has_tag("党员")
        for role in ("书记", "主任", "委员", "监委会主任", "网格员", "楼栋长", "巷长", "党员"):
            assert roles[role] > 0, role


def test_accounts_at_every_level_log_in_with_the_demo_password(make_runtime):
    runtime = make_runtime(PLUGINS)
    summary = seed_demo(runtime, residents=100)
    with runtime.db.transaction() as session:
        accounts = {a.username: a for a in session.scalars(select(Account))}
        assert [a.username for a in summary.accounts] == list(accounts)
        county = accounts["county_admin"]
        assert county.roles == ["county_admin"] and county.scope_code == COUNTY[0]
        towns = [a for a in accounts.values() if a.roles == ["town_admin"]]
        villages = [a for a in accounts.values() if a.roles == ["village_admin"]]
        assert len(towns) >= 3 and len(villages) >= 12
        assert {level_of(a.scope_code).value for a in towns} == {"town"}
        assert {level_of(a.scope_code).value for a in villages} == {"village"}
        assert all(a.username.startswith("town_") for a in towns)
        assert all(a.username.startswith("village_") for a in villages)
        assert accounts["town_1"].display_name == "汉葭街道管理员"
        for account in (county, towns[0], villages[-1]):
            assert account.check_password(DEMO_PASSWORD)
            assert not account.check_password("wrong-password")
        assert {a.role for a in summary.accounts} == {"county_admin", "town_admin", "village_admin"}
        assert summary.password == DEMO_PASSWORD
        assert summary.localities == count(session, Locality)
        assert summary.residents == count(session, Person) == 100
        assert summary.households == count(session, Household)
        assert summary.organizations == count(session, Organization)
        assert summary.memberships == count(session, Membership)
        assert summary.counts["后台账号"] == len(accounts)


def test_seeding_twice_is_refused_and_writes_nothing(demo):
    with demo.db.transaction() as session:
        before = (count(session, AuditEntry), count(session, Person), count(session, Account))
    with pytest.raises(DemoError, match="已有"):
        seed_demo(demo, residents=300)
    with demo.db.transaction() as session:
        assert (
            count(session, AuditEntry),
            count(session, Person),
            count(session, Account),
        ) == before
        assert audit.verify(session).ok


def test_the_demo_is_audited_as_the_demo_actor(demo):
    with demo.db.transaction() as session:
        actors = session.execute(select(AuditEntry.actor, AuditEntry.channel).distinct()).all()
        assert [tuple(row) for row in actors] == [("system:demo", "cli")]
        result = audit.verify(session)
        assert result.ok and result.checked > 300


def snapshot(runtime: Runtime) -> dict[str, list[tuple]]:
    with runtime.db.transaction() as session:
        people = session.scalars(
            select(Person)
            .options(selectinload(Person.tags), selectinload(Person.household))
            .order_by(Person.id)
        )
        memberships = session.scalars(
            select(Membership)
            .options(selectinload(Membership.person), selectinload(Membership.organization))
            .order_by(Membership.id)
        )
        return {
            "localities": [(x.code, x.name) for x in session.scalars(select(Locality))],
            "people": [
                (
                    p.id_number,
                    p.name,
                    p.locality_code,
                    p.phone,
                    p.relation,
                    p.household.number,
                    [t.name for t in p.tags],
                )
                for p in people
            ],
            "households": [
                (h.number, h.address, h.locality_code)
                for h in session.scalars(select(Household).order_by(Household.id))
            ],
            "organizations": [
                (o.name, o.kind, o.locality_code, o.credit_code, o.registered_on, o.contact_phone)
                for o in session.scalars(select(Organization).order_by(Organization.id))
            ],
            "memberships": [
                (m.organization.name, m.person.id_number, m.role, m.start_on) for m in memberships
            ],
            "accounts": [
                (a.username, a.display_name, a.scope_code, a.roles)
                for a in session.scalars(select(Account).order_by(Account.id))
            ],
        }


def test_the_same_seed_gives_the_same_demo(make_runtime, database_url):
    def fresh(previous: Runtime) -> Runtime:
        previous.close()
        if database_url.startswith("postgresql"):
            reset_postgres(database_url)
        else:
            path = Path(database_url.removeprefix("sqlite:///"))
            for leftover in (
                path,
                path.with_name(path.name + "-wal"),
                path.with_name(path.name + "-shm"),
            ):
                leftover.unlink(missing_ok=True)
        return make_runtime(PLUGINS)

    runtime = make_runtime(PLUGINS)
    seed_demo(runtime, seed=7, residents=200)
    first = snapshot(runtime)
    runtime = fresh(runtime)
    seed_demo(runtime, seed=7, residents=200)
    assert snapshot(runtime) == first
    runtime = fresh(runtime)
    seed_demo(runtime, seed=8, residents=200)
    other = snapshot(runtime)
    assert other["localities"] == first["localities"]
    assert other["people"] != first["people"]


class ProbeEntryPoint:
    """Stands in for an installed plugin's entry point."""

    def __init__(self, module: types.ModuleType) -> None:
        self.name = module.MANIFEST.name
        self.value = f"tests.test_demo:{self.name}"
        self.module = module

    def load(self) -> types.ModuleType:
        return self.module


def probe_plugin(calls: list[dict], fail: bool = False) -> dict[str, ProbeEntryPoint]:
    """Installed entry points plus ``demoprobe``, a plugin adding a tag as its demo data."""
    module = types.ModuleType("demoprobe")
    module.MANIFEST = PluginManifest(
        name="demoprobe", title="演示探针", version="0.1.0", requires_core=">=0.1,<1"
    )

    @hookimpl
    def register_demo_data(session, root, rng):
        calls.append(
            {
                "root": (root.code, root.name),
                "residents": session.scalar(select(func.count()).select_from(Person)),
                "accounts": session.scalar(select(func.count()).select_from(Account)),
                "draw": rng.random(),
            }
        )
        if fail:
            raise RuntimeError("插件演示数据出错")
        session.add(Tag(name="演示探针", description="插件添加的演示数据"))

    module.register_demo_data = register_demo_data
    return {**installed_entry_points(), "demoprobe": ProbeEntryPoint(module)}


def test_plugins_add_their_demo_data_in_the_same_transaction(make_runtime):
    calls: list[dict] = []
    runtime = make_runtime([*PLUGINS, "demoprobe"], installed=probe_plugin(calls))
    seed_demo(runtime, seed=11, residents=50)
    assert calls == [
        {
            "root": COUNTY,
            "residents": 50,
            "accounts": calls[0]["accounts"],
            "draw": random.Random("11:demoprobe").random(),
        }
    ]
    assert calls[0]["accounts"] > 0
    with runtime.db.transaction() as session:
        assert session.scalar(select(Tag).where(Tag.name == "演示探针")) is not None
        assert audit.verify(session).ok


def test_a_failing_plugin_rolls_the_whole_demo_back(make_runtime):
    calls: list[dict] = []
    runtime = make_runtime([*PLUGINS, "demoprobe"], installed=probe_plugin(calls, fail=True))
    with pytest.raises(RuntimeError, match="插件演示数据出错"):
        seed_demo(runtime, residents=50)
    assert len(calls) == 1
    with runtime.db.transaction() as session:
        assert count(session, Locality) == 0
        assert count(session, Person) == 0
        assert count(session, AuditEntry) == 0


def test_the_demo_needs_a_county(database_url):
    data = make_config_data(database_url, locality_code="500243101000", locality_name="保家镇")
    runtime = Runtime(parse_config(data))
    try:
        with pytest.raises(DemoError, match="县级"):
            seed_demo(runtime)
    finally:
        runtime.close()


def test_the_demo_config_loads_with_the_four_plugins(monkeypatch):
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    config = load_config(REPO / "configs" / "demo.toml")
    assert config.demo is True
    assert (config.locality_code, config.locality_name) == COUNTY
    assert config.name == "彭水县基层治理平台（演示）"
    assert config.database_url == f"sqlite:///{REPO / 'instance' / 'demo.db'}"
    runtime = Runtime(config)
    try:
        assert runtime.plugins.names == PLUGINS
    finally:
        runtime.close()
