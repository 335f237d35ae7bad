"""The demo county: realistic, reproducible demo data for trying Gongzhi out (``gongzhi demo``).

:func:`seed_demo` fills an empty, migrated database with the deployment's county (from the
config: 彭水苗族土家族自治县 in ``configs/demo.toml``), its province and city, four towns and
streets, their villages and communities, some 村民小组, households and residents with valid
identity numbers, tags, organisations with their members, and back-office accounts; then it lets
every enabled plugin add its own demo data through the ``register_demo_data`` hook, all in one
transaction.

The town and street names are real Pengshui ones (汉葭街道, 保家镇, 郁山镇, 鞍子镇). Every code
below the county (towns, villages, groups) and every village, community and group name is
demo-assigned: plausible, but not taken from the official division list. People, phone numbers,
identity numbers and credit codes are invented; identity numbers and credit codes carry valid
check digits.

The data is a function of the seed alone: :data:`DEMO_REFERENCE_DATE` stands for "today" when
ages, terms and inspection dates are drawn, so the same seed gives the same demo on any day.
The demo accounts share the documented password :data:`DEMO_PASSWORD`: the demo is the only place
in Gongzhi with a known password, so run it only on a deployment marked ``demo = true``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc

from core.identity import make_id_number
from core.localities import Level, level_of
from core.models import (
    Account,
    Household,
    Locality,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    Tag,
)
from core.security import ROLES

if TYPE_CHECKING:
    from core.runtime import Runtime

__all__ = [
    "DEFAULT_RESIDENTS",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DEMO_REFERENCE_DATE",
    "DemoAccount",
    "DemoError",
    "DemoSummary",
    "seed_demo",
]

DEMO_PASSWORD = "gongzhi-demo-2026"
"""The password of every demo account. Known on purpose: only ever use it for a demo deployment."""

DEFAULT_SEED = 2026
DEFAULT_RESIDENTS = 2000

DEMO_REFERENCE_DATE = dt.date(2026, 1, 1)
"""The day the demo is drawn "as of" (ages, terms of office, inspections), for reproducibility."""

DEMO_ACTOR = "system:demo"
BATCH_SIZE = 1000

MALE = "male"
FEMALE = "female"


class DemoError(Exception):
    """The demo cannot be seeded here; the message (in Chinese) says why."""


@dataclasses.dataclass(frozen=True)
class DemoAccount:
    """A demo back-office account, as the CLI prints it (the password is :data:`DEMO_PASSWORD`)."""

    username: str
    display_name: str
    scope_name: str
    role: str

    @property
    def role_label(self) -> str:
        """The role in Chinese (县级管理员…)."""
        return ROLES.get(self.role, self.role)


@dataclasses.dataclass(frozen=True)
class DemoSummary:
    """What :func:`seed_demo` created: the accounts to log in with and how much of everything."""

    county_code: str
    county_name: str
    seed: int
    password: str
    accounts: tuple[DemoAccount, ...]
    localities: int
    residents: int
    households: int
    organizations: int
    memberships: int

    @property
    def counts(self) -> dict[str, int]:
        """Every count with its Chinese label, in display order."""
        return {
            "行政区划": self.localities,
            "居民": self.residents,
            "户": self.households,
            "组织": self.organizations,
            "组织成员": self.memberships,
            "后台账号": len(self.accounts),
        }


# --- The demo county's shape ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _VillageSpec:
    suffix: str  # the last 3 digits of the 12-digit code
    name: str
    groups: int  # how many 村民小组 it has (0: none recorded)

    @property
    def is_community(self) -> bool:
        return self.name.endswith("社区")


@dataclasses.dataclass(frozen=True)
class _TownSpec:
    suffix: str  # digits 7-9 of the code: 0xx for streets, 1xx for towns
    name: str
    villages: tuple[_VillageSpec, ...]
    merchants: tuple[str, ...]

    @property
    def is_street(self) -> bool:
        return self.name.endswith("街道")


_TOWNS: tuple[_TownSpec, ...] = (
    _TownSpec(
        "001",
        "汉葭街道",
        (
            _VillageSpec("001", "城南社区", 0),
            _VillageSpec("002", "长滩村", 3),
            _VillageSpec("003", "河堡社区", 0),
            _VillageSpec("004", "滨江社区", 0),
            _VillageSpec("005", "石嘴村", 2),
        ),
        ("汉葭惠民超市", "家家乐超市", "滨江便利店"),
    ),
    _TownSpec(
        "101",
        "保家镇",
        (
            _VillageSpec("001", "中心村", 4),
            _VillageSpec("002", "楠木村", 3),
            _VillageSpec("003", "青龙村", 0),
            _VillageSpec("004", "保家社区", 0),
        ),
        ("保家惠农超市", "兴隆百货超市"),
    ),
    _TownSpec(
        "102",
        "郁山镇",
        (
            _VillageSpec("001", "郁山社区", 0),
            _VillageSpec("002", "中井村", 3),
            _VillageSpec("003", "朱砂村", 0),
            _VillageSpec("004", "三江村", 2),
        ),
        ("郁山好邻居超市", "盐井粮油店"),
    ),
    _TownSpec(
        "103",
        "鞍子镇",
        (
            _VillageSpec("001", "鞍子社区", 0),
            _VillageSpec("002", "新式村", 4),
            _VillageSpec("003", "石盘村", 0),
        ),
        ("苗乡便民超市",),
    ),
)

_GROUP_NAMES = ("一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组", "九组")

_KNOWN_ANCESTORS = {"500000000000": "重庆市", "500200000000": "重庆市县"}

_COUNTY_DEPARTMENTS = (
    "民政局",
    "农业农村委员会",  # Chongqing's counties have a 农业农村委员会 rather than a 农业农村局
    "乡村振兴局",
    "人力资源和社会保障局",
    "医疗保障局",
    "退役军人事务局",
)

# (name, social type, town suffix or None for the county)
_SOCIAL_ORGANIZATIONS: tuple[tuple[str, str, str | None], ...] = (
    ("志愿服务联合会", "social_group", None),
    ("老年人体育协会", "social_group", None),
    ("慈善会", "social_group", None),
    ("民族民间文化研究会", "social_group", None),
    ("阳光社会工作服务中心", "private_non_enterprise", None),
    ("和谐居家养老服务中心", "private_non_enterprise", "001"),
    ("小太阳幼儿园", "private_non_enterprise", "001"),
    ("蔬菜种植技术协会", "social_group", "101"),
    ("晶丝苕粉产业协会", "social_group", "102"),
    ("苗歌文化协会", "social_group", "103"),
)

_TAGS = {
    "党员": "中共党员（含预备党员）",
    "老年人": "65 周岁及以上",
    "留守儿童": "父母外出务工、留在户籍地生活的未满 16 周岁儿童",
    "留守老人": "子女均外出务工、留在农村生活的 60 周岁及以上老人",
    "残疾人": "持有残疾人证",
    "退役军人": "退出现役的军人",
    "志愿者": "在志愿服务组织登记的志愿者",
}

_LOCAL_SURNAMES = ("冉", "庹", "任", "侯", "向", "田", "龚", "蔡", "彭", "谢", "廖", "汪", "张")
_MALE_MIDDLE = ("永", "光", "明", "志", "德", "国", "世", "学", "家", "正", "文", "兴", "昌")
_FEMALE_MIDDLE = ("秀", "玉", "桂", "春", "小", "晓", "雪", "丽", "海", "红", "美", "慧", "金")
_STREETS = ("滨江路", "城南路", "摩围大道", "沿河路", "新华街", "解放路", "文化街", "桃花路")
_PLACES = ("大院子", "坪上", "湾里", "岩脚", "水井坎", "老屋基", "茶园", "坳上", "沙坝", "竹林湾")
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "173", "177", "180", "181",
    "182", "183", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip

# Household sizes 1-6 and how often each occurs.
_HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
_HOUSEHOLD_SIZE_WEIGHTS = (12, 22, 24, 20, 14, 8)


@dataclasses.dataclass
class _Resident:
    """A generated resident with what the builder needs to hand out roles."""

    key: int
    person: Person
    age: int
    sex: str
    town: _TownSpec
    village_code: str

    @property
    def is_party_member(self) -> bool:
        return any(tag.name == "党员" for tag in self.person.tags)


@dataclasses.dataclass
class _Village:
    """A village or community as built, with its residents."""

    spec: _VillageSpec
    town: _TownSpec
    code: str
    locality: Locality
    groups: list[Locality]
    residents: list[_Resident] = dataclasses.field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.town.name}{self.spec.name}"


# --- Public entry point --------------------------------------------------------------------------


def seed_demo(
    runtime: Runtime, *, seed: int = DEFAULT_SEED, residents: int = DEFAULT_RESIDENTS
) -> DemoSummary:
    """Seed the demo county into the runtime's migrated, empty database and return a summary.

    Everything, including what the enabled plugins add through ``register_demo_data``, is written
    in one transaction (audited as ``system:demo`` on channel ``cli``): any error leaves the
    database as it was. The same ``seed`` and ``residents`` give the same data. Raises
    :class:`DemoError` if the database holds localities other than the deployment's own (so the
    demo is never loaded twice, nor over real data) or if the deployment's locality is not a county.

    This function does not look at ``config.demo``; callers (the CLI) should refuse to seed a
    deployment not marked ``demo = true``, since every demo account gets :data:`DEMO_PASSWORD`.
    """
    if residents < 0:
        raise DemoError("居民人数不能为负数")
    config = runtime.config
    county_code = config.locality_code
    if level_of(county_code) is not Level.COUNTY:
        raise DemoError(
            f"演示数据需要部署在县级行政区划上，配置中的 {config.locality_name}"
            f"（{county_code}）不是县级代码"
        )
    with runtime.db.transaction(actor=DEMO_ACTOR, channel="cli") as session:
        existing = select(Locality.code).where(Locality.code != county_code).limit(1)
        if session.scalar(existing) is not None:
            raise DemoError(
                "数据库中已有行政区划数据，演示数据只能导入空数据库。"
                "请换一个新的数据库（或清空现有数据库）后再导入。"
            )
        builder = _DemoBuilder(session, county_code, config.locality_name, seed)
        county, accounts = builder.build(residents)
        for plugin in runtime.plugins.plugins:
            # Each plugin draws from its own generator, so one plugin's demo does not change
            # when another plugin is enabled or changes its own.
            caller = runtime.plugins.plugin_hook_caller(plugin.name, "register_demo_data")
            caller(session=session, root=county, rng=random.Random(f"{seed}:{plugin.name}"))
        session.flush()
        return DemoSummary(
            county_code=county_code,
            county_name=config.locality_name,
            seed=seed,
            password=DEMO_PASSWORD,
            accounts=tuple(accounts),
            localities=_count(session, Locality),
            residents=_count(session, Person),
            households=_count(session, Household),
            organizations=_count(session, Organization),
            memberships=_count(session, Membership),
        )


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _ancestor_name(code: str) -> str:
    """The name of a province or city above the demo county, from the division code list."""
    if code in _KNOWN_ANCESTORS:
        return _KNOWN_ANCESTORS[code]
    from stdnum import numdb

    parts = numdb.get("cn/loc").info(code[:6])
    province = parts[0][1].get("province", "") if parts else ""
    if level_of(code) is Level.PROVINCE or len(parts) < 2:
        return province or f"行政区划 {code}"
    name = re.sub(r"^\[[^\]]*\]", "", parts[-1][1].get("county", "").split(",")[-1]).strip()
    if not name or name in {"县", "市辖区"}:
        return f"{province}{name}" or f"行政区划 {code}"
    return name


def _age_on(birth: dt.date, day: dt.date) -> int:
    years = day.year - birth.year
    return years - ((day.month, day.day) < (birth.month, birth.day))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _gb11714_check(body: str) -> str:
    """The check character of an 8-character organisation code (GB 11714)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


class _DemoBuilder:
    """Draws and adds the core demo data; every random choice comes from the seeded generators."""

    def __init__(self, session: Session, county_code: str, county_name: str, seed: int) -> None:
        self.session = session
        self.county_code = county_code
        self.county_name = county_name
        self.area_code = county_code[:6]
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        female_names = getattr(
            self.fake.provider("faker.providers.person"), "first_names_female", ()
        )
        self._female_chars = {name for name in female_names if len(name) == 1}
        self.as_of = min(DEMO_REFERENCE_DATE, dt.date.today())
        # village elections every five years (2021, 2026…); the last one before the reference day
        self.election_year = 2021 + 5 * ((self.as_of.year - 1 - 2021) // 5)
        self.tags = {name: Tag(name=name, description=text) for name, text in _TAGS.items()}
        self._used_ids: set[tuple[dt.date, int]] = set()
        self._used_phones: set[str] = set()
        self._used_credit_codes: set[str] = set()
        self._holders: set[int] = set()  # residents already holding an office
        self._key = 0
        self.villages: list[_Village] = []
        self.town_localities: dict[str, Locality] = {}
        self.organizations: list[Organization] = []
        self.memberships: list[Membership] = []

    # -- drawing helpers --------------------------------------------------------------------------

    def _date_between(self, start: dt.date, end: dt.date) -> dt.date:
        end = max(start, end)
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def _date_in_years(self, first: int, last: int) -> dt.date:
        return self._date_between(dt.date(first, 1, 1), min(dt.date(last, 12, 31), self.as_of))

    def _birth_date(self, age: int) -> dt.date:
        """A birth date such that the resident is ``age`` on the reference day."""
        latest = _years_before(self.as_of, age)
        earliest = _years_before(self.as_of, age + 1) + dt.timedelta(days=1)
        return self._date_between(earliest, latest)

    def _id_number(self, birth: dt.date, sex: str) -> str:
        parity = 1 if sex == MALE else 0
        while True:
            sequence = self.rng.randrange(1, 500) * 2 + parity
            if (birth, sequence) not in self._used_ids:
                self._used_ids.add((birth, sequence))
                return make_id_number(self.area_code, birth, sequence)

    def _mobile(self) -> str:
        while True:
            phone = self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self._used_phones:
                self._used_phones.add(phone)
                return phone

    def _landline(self) -> str:
        return f"023-78{self.rng.randrange(10**6):06d}"

    def _surname(self) -> str:
        if self.rng.random() < 0.4:
            return self.rng.choice(_LOCAL_SURNAMES)
        return self.fake.last_name()

    def _given_name(self, sex: str) -> str:
        if sex == MALE:
            single, middles = self.fake.first_name_male(), _MALE_MIDDLE
            while single[-1] in self._female_chars:  # Faker's male list has a stray 红霞
                single = self.fake.first_name_male()
        else:
            single, middles = self.fake.first_name_female(), _FEMALE_MIDDLE
        if len(single) == 1 and self.rng.random() < 0.55:
            middle = self.rng.choice(middles)
            if middle != single:
                return middle + single
        return single

    def _credit_code(self, authority_and_type: str, org_prefix: str) -> str:
        """A valid 统一社会信用代码 registered in the county (``51``/``52`` 民政, ``92`` 个体)."""
        while True:
            body = org_prefix + "".join(
                self.rng.choice("0123456789") for _ in range(8 - len(org_prefix))
            )
            code = f"{authority_and_type}{self.area_code}{body}{_gb11714_check(body)}"
            code += uscc.calc_check_digit(code)
            if code not in self._used_credit_codes:
                self._used_credit_codes.add(code)
                return code

    # -- the build --------------------------------------------------------------------------------

    def build(self, residents: int) -> tuple[Locality, list[DemoAccount]]:
        """Add localities, residents, organisations and accounts; return the county and accounts."""
        county = self._add_localities()
        self._add_residents(residents)
        self._add_organizations()
        accounts = self._add_accounts(county)
        self.session.flush()
        return county, accounts

    def _add_localities(self) -> Locality:
        code = self.county_code
        province_code = code[:2] + "0" * 10
        city_code = code[:4] + "0" * 8
        localities = [
            Locality(code=ancestor, name=_ancestor_name(ancestor))
            for ancestor in (province_code, city_code)
        ]
        # ``gongzhi db upgrade`` may have created the county (the deployment's root) already.
        county = self.session.get(Locality, code) or Locality(code=code, name=self.county_name)
        localities.append(county)
        for town in _TOWNS:
            town_locality = Locality(code=f"{code[:6]}{town.suffix}000", name=town.name)
            self.town_localities[town.suffix] = town_locality
            localities.append(town_locality)
            for spec in town.villages:
                village_code = f"{code[:6]}{town.suffix}{spec.suffix}"
                village = Locality(code=village_code, name=spec.name)
                groups = [
                    Locality(code=f"{village_code}{i:03d}", name=_GROUP_NAMES[i - 1])
                    for i in range(1, spec.groups + 1)
                ]
                localities += [village, *groups]
                self.villages.append(_Village(spec, town, village_code, village, groups))
        self.session.add_all(localities)
        self.session.add_all(self.tags.values())
        self.session.flush()
        return county

    def _village_quotas(self, residents: int) -> list[int]:
        """Split ``residents`` over the villages: communities are larger, with some variation."""
        weights = [
            (1.5 if v.spec.is_community else 1.0) * self.rng.uniform(0.8, 1.2)
            for v in self.villages
        ]
        total = sum(weights)
        exact = [residents * w / total for w in weights]
        quotas = [int(x) for x in exact]
        by_remainder = sorted(range(len(exact)), key=lambda i: (quotas[i] - exact[i], i))
        for i in by_remainder[: residents - sum(quotas)]:
            quotas[i] += 1
        return quotas

    def _add_residents(self, residents: int) -> None:
        pending: list[Household] = []
        pending_people = 0
        for village, quota in zip(self.villages, self._village_quotas(residents), strict=True):
            number = 0
            while quota > 0:
                size = min(
                    quota, self.rng.choices(_HOUSEHOLD_SIZES, weights=_HOUSEHOLD_SIZE_WEIGHTS)[0]
                )
                number += 1
                household = self._household(village, number, size)
                pending.append(household)
                pending_people += size
                quota -= size
            self._ensure_party_members(village)
            if pending_people >= BATCH_SIZE:
                self.session.add_all(pending)
                self.session.flush()
                pending, pending_people = [], 0
        self.session.add_all(pending)
        self.session.flush()

    def _household_plan(self, size: int, rural: bool) -> tuple[list[tuple[str, str, int]], bool]:
        """Members as (relation, sex, age), and whether the working-age parents are away."""
        rng = self.rng

        def other(sex: str) -> str:
            return FEMALE if sex == MALE else MALE

        def any_sex() -> str:
            return MALE if rng.random() < 0.52 else FEMALE

        if size == 1:
            head_age = rng.randint(60, 92) if rng.random() < 0.55 else rng.randint(24, 59)
            head_sex = any_sex()
        else:
            low, high = rng.choices(
                [(24, 34), (35, 49), (50, 64), (65, 88)], weights=[12, 30, 32, 26]
            )[0]
            head_age = rng.randint(low, high)
            head_sex = MALE if rng.random() < 0.8 else FEMALE
        members = [("户主", head_sex, head_age)]
        slots = size - 1
        if slots and rng.random() < (0.9 if head_age < 75 else 0.7):
            gap = rng.randint(-2, 6)  # husbands are usually a little older
            spouse_age = head_age - gap if head_sex == MALE else head_age + gap
            members.append(("配偶", other(head_sex), min(95, max(20, spouse_age))))
            slots -= 1
        away = False
        if head_age >= 55:
            # Older heads: grown children and grandchildren; in villages the middle generation is
            # often away working, leaving grandparents with the grandchildren.
            away = rural and slots > 0 and rng.random() < 0.35
            children = 0 if away else min(slots, rng.randint(1, 2))
            child_ages = [head_age - rng.randint(22, 34) for _ in range(children)]
            members += [("子女", any_sex(), age) for age in child_ages]
            slots -= children
            parent_age = min(child_ages) if child_ages else head_age - rng.randint(24, 32)
            for _ in range(slots):
                members.append(
                    ("孙子女", any_sex(), rng.randint(0, max(0, min(17, parent_age - 20))))
                )
        else:
            children = min(slots, 3)
            for _ in range(children):
                members.append(
                    ("子女", any_sex(), rng.randint(max(0, head_age - 42), head_age - 20))
                )
            slots -= children
            if slots:
                father_age = min(95, head_age + rng.randint(22, 34))
                members.append(("父母", MALE, father_age))
                slots -= 1
            if slots:
                members.append(("父母", FEMALE, min(95, max(head_age + 20, father_age - 4))))
                slots -= 1
            for _ in range(slots):
                members.append(("子女", any_sex(), rng.randint(0, head_age - 20)))
            has_children = any(age < 16 for relation, _, age in members if relation == "子女")
            away = rural and has_children and rng.random() < 0.25
        return members, away

    def _household(self, village: _Village, number: int, size: int) -> Household:
        rng = self.rng
        rural = not village.spec.is_community
        locality = rng.choice(village.groups) if village.groups else village.locality
        door = rng.randint(1, 120)
        if village.spec.is_community:
            address = (
                f"{rng.choice(_STREETS)}{door}号{rng.randint(1, 12)}栋"
                f"{rng.randint(1, 3)}单元{rng.randint(1, 7)}0{rng.randint(1, 4)}"
            )
        elif village.groups:
            address = f"{locality.name}{door}号"
        else:
            address = f"{rng.choice(_PLACES)}{door}号"
        household = Household(
            number=f"{village.code[6:]}{number:04d}",
            address=f"{self.county_name}{village.full_name}{address}",
            locality_code=locality.code,
        )
        plan, away = self._household_plan(size, rural)
        head_surname = self._surname()
        spouse_surname = self._surname()
        has_spouse = any(relation == "配偶" for relation, _, _ in plan)
        # children carry the father's surname
        family_surname = spouse_surname if plan[0][1] == FEMALE and has_spouse else head_surname
        working_age = any(18 <= age <= 59 for _, _, age in plan)
        for relation, sex, age in plan:
            if relation == "户主":
                surname = head_surname
            elif relation == "配偶":
                surname = spouse_surname
            elif relation == "父母":
                surname = head_surname if sex == MALE else self._surname()
            else:
                surname = family_surname
            birth = self._birth_date(age)
            has_phone = age >= 18 and rng.random() < (
                0.95 if age < 70 else 0.6 if age < 85 else 0.3
            )
            person = Person(
                name=surname + self._given_name(sex),
                id_number=self._id_number(birth, sex),
                # set even when empty: rows with the same columns are inserted in one statement
                phone=self._mobile() if has_phone else None,
                locality_code=locality.code,
                relation=relation,
                household=household,
            )
            person.tags = self._draw_tags(age, sex, rural, away, working_age)
            self._key += 1
            village.residents.append(
                _Resident(self._key, person, age, sex, village.town, village.code)
            )
        return household

    def _draw_tags(
        self, age: int, sex: str, rural: bool, away: bool, working_age: bool
    ) -> list[Tag]:
        rng = self.rng
        names = []
        if age >= 18 and rng.random() < (0.02 if age < 22 else 0.11 if sex == MALE else 0.05):
            names.append("党员")
        if age >= 65:
            names.append("老年人")
        if age < 16 and away:
            names.append("留守儿童")
        if rural and age >= 60 and (away or not working_age) and rng.random() < 0.7:
            names.append("留守老人")
        if rng.random() < (0.035 if age >= 60 else 0.012):
            names.append("残疾人")
        if 22 <= age <= 85 and rng.random() < (0.045 if sex == MALE else 0.004):
            names.append("退役军人")
        if 18 <= age <= 70 and rng.random() < 0.06:
            names.append("志愿者")
        return [self.tags[name] for name in names]

    def _ensure_party_members(self, village: _Village, needed: int = 4) -> None:
        """Small demos: make sure a village has enough party members to staff its branch."""
        eligible = [r for r in village.residents if 25 <= r.age <= 65]
        members = [r for r in eligible if r.is_party_member]
        others = [r for r in eligible if not r.is_party_member]
        for resident in self.rng.sample(others, min(len(others), max(0, needed - len(members)))):
            resident.person.tags = [*resident.person.tags, self.tags["党员"]]

    # -- organisations ----------------------------------------------------------------------------

    def _organization(
        self, name: str, kind: OrganizationKind, locality_code: str, **extra: object
    ) -> Organization:
        organization = Organization(
            name=name, kind=kind.value, locality_code=locality_code, **extra
        )
        self.organizations.append(organization)
        return organization

    def _pick(
        self,
        pool: Sequence[_Resident],
        count: int,
        ages: tuple[int, int],
        *,
        party: bool = False,
    ) -> list[_Resident]:
        """Up to ``count`` residents of ``pool`` not yet holding an office, in the age range."""
        low, high = ages
        candidates = [
            r
            for r in pool
            if low <= r.age <= high
            and r.key not in self._holders
            and (not party or r.is_party_member)
        ]
        chosen = self.rng.sample(candidates, min(count, len(candidates)))
        self._holders.update(r.key for r in chosen)
        return chosen

    def _appoint(
        self, organization: Organization, residents: Sequence[_Resident], role: str, start: dt.date
    ) -> None:
        for resident in residents:
            self.memberships.append(
                Membership(
                    person=resident.person, organization=organization, role=role, start_on=start
                )
            )

    def _add_organizations(self) -> None:
        self._add_county_departments()
        for village in self.villages:
            self._add_village_organizations(village)
        for town in _TOWNS:
            self._add_town_committee(town)
        self._add_social_organizations()
        self._add_merchants()
        for start in range(0, len(self.organizations), BATCH_SIZE):
            self.session.add_all(self.organizations[start : start + BATCH_SIZE])
            self.session.flush()
        for start in range(0, len(self.memberships), BATCH_SIZE):
            self.session.add_all(self.memberships[start : start + BATCH_SIZE])
            self.session.flush()

    def _add_county_departments(self) -> None:
        for department in _COUNTY_DEPARTMENTS:
            self._organization(
                f"{self.county_name}{department}",
                OrganizationKind.GOVERNMENT_DEPARTMENT,
                self.county_code,
                contact_phone=self._landline(),
            )

    def _add_town_committee(self, town: _TownSpec) -> None:
        name = f"中共{town.name}工作委员会" if town.is_street else f"中共{town.name}委员会"
        committee = self._organization(
            name,
            OrganizationKind.PARTY_BRANCH,
            self.town_localities[town.suffix].code,
            contact_phone=self._landline(),
        )
        pool = [r for v in self.villages if v.town is town for r in v.residents]
        start = self._date_between(
            dt.date(self.election_year, 8, 1), dt.date(self.election_year, 10, 31)
        )
        self._appoint(committee, self._pick(pool, 1, (35, 58), party=True), "书记", start)
        self._appoint(committee, self._pick(pool, 2, (30, 58), party=True), "委员", start)

    def _add_village_organizations(self, village: _Village) -> None:
        rng = self.rng
        pool = village.residents
        full = village.full_name
        community = village.spec.is_community
        code = village.code
        election = self._date_between(
            dt.date(self.election_year, 3, 1), dt.date(self.election_year, 5, 31)
        )

        branch = self._organization(f"{full}党支部", OrganizationKind.PARTY_BRANCH, code)
        secretary = self._pick(pool, 1, (30, 60), party=True)
        self._appoint(branch, secretary, "书记", election)
        self._appoint(branch, self._pick(pool, 2, (25, 65), party=True), "委员", election)
        for resident in pool:
            if resident.is_party_member and resident.key not in self._holders:
                join = resident.person.birth_date + dt.timedelta(
                    days=365 * rng.randint(18, max(18, min(resident.age, 50))) + rng.randint(0, 300)
                )
                self._appoint(branch, [resident], "党员", min(join, self.as_of))

        if community:
            committee = self._organization(
                f"{full}居民委员会", OrganizationKind.RESIDENTS_COMMITTEE, code
            )
        else:
            committee = self._organization(
                f"{full}村民委员会", OrganizationKind.VILLAGE_COMMITTEE, code
            )
        committee.contact_phone = self._landline()
        self._appoint(committee, secretary, "主任", election)  # 书记、主任“一肩挑”
        self._appoint(committee, self._pick(pool, 2, (25, 60)), "委员", election)
        since = (2019, self.as_of.year - 1)
        grid_workers = 3 if community else max(2, len(village.groups))
        for resident in self._pick(pool, grid_workers, (22, 60)):
            self._appoint(committee, [resident], "网格员", self._date_in_years(*since))
        role = "楼栋长" if community else "巷长"
        for resident in self._pick(pool, 3 if community else 2, (30, 72)):
            self._appoint(committee, [resident], role, self._date_in_years(*since))

        supervision_name = f"{full}居务监督委员会" if community else f"{full}村务监督委员会"
        supervision = self._organization(
            supervision_name, OrganizationKind.SUPERVISION_COMMITTEE, code
        )
        chair = self._pick(pool, 1, (30, 65), party=True) or self._pick(pool, 1, (30, 70))
        self._appoint(supervision, chair, "监委会主任", election)
        self._appoint(supervision, self._pick(pool, 2, (25, 70)), "委员", election)

        council_name = f"{full}居民议事会" if community else f"{full}红白理事会"
        council = self._organization(council_name, OrganizationKind.COUNCIL, code)
        founded = self._date_in_years(2018, self.as_of.year - 1)
        self._appoint(council, self._pick(pool, 1, (45, 75)), "会长", founded)
        self._appoint(council, self._pick(pool, 3, (40, 78)), "理事", founded)

    def _add_social_organizations(self) -> None:
        everyone = [r for v in self.villages for r in v.residents]
        for name, social_type, town_suffix in _SOCIAL_ORGANIZATIONS:
            if town_suffix is None:
                locality_code, prefix, pool = self.county_code, self.county_name, everyone
            else:
                town = next(t for t in _TOWNS if t.suffix == town_suffix)
                locality_code = self.town_localities[town_suffix].code
                prefix = f"{self.county_name}{town.name}"
                pool = [r for r in everyone if r.town is town]
            registered = self._date_in_years(self.as_of.year - 18, self.as_of.year - 3)
            inspected = self._date_between(
                dt.date(self.as_of.year - 1, 3, 1), dt.date(self.as_of.year - 1, 9, 30)
            )
            group = social_type == "social_group"
            organization = self._organization(
                prefix + name,
                OrganizationKind.SOCIAL_ORGANIZATION,
                locality_code,
                social_type=social_type,
                credit_code=self._credit_code("51" if group else "52", "MJ"),
                registered_on=registered,
                last_inspection_on=inspected,
                last_inspection_result="合格" if self.rng.random() < 0.85 else "基本合格",
                contact_phone=self._landline(),
            )
            leader = self._pick(pool, 1, (40, 70))
            self._appoint(organization, leader, "会长" if group else "负责人", registered)

    def _add_merchants(self) -> None:
        for town in _TOWNS:
            villages = [v for v in self.villages if v.town is town]
            for name in town.merchants:
                village = self.rng.choice(villages)
                merchant = self._organization(
                    name,
                    OrganizationKind.MERCHANT,
                    village.code,
                    credit_code=self._credit_code("92", ""),
                    registered_on=self._date_in_years(2015, self.as_of.year - 1),
                    contact_phone=self._mobile(),
                )
                owner = self._pick(village.residents, 1, (30, 65))
                start = merchant.registered_on or self.as_of
                self._appoint(merchant, owner, "负责人", start)

    # -- accounts ---------------------------------------------------------------------------------

    def _add_accounts(self, county: Locality) -> list[DemoAccount]:
        specs: list[tuple[str, str, Locality, str, str]] = [
            ("county_admin", f"{self.county_name}管理员", county, self.county_name, "county_admin")
        ]
        for n, town in enumerate(_TOWNS, start=1):
            locality = self.town_localities[town.suffix]
            specs.append((f"town_{n}", f"{town.name}管理员", locality, town.name, "town_admin"))
        for n, village in enumerate(self.villages, start=1):
            specs.append(
                (
                    f"village_{n}",
                    f"{village.full_name}管理员",
                    village.locality,
                    village.full_name,
                    "village_admin",
                )
            )
        # One hash for all: scrypt is deliberately slow, and the demo password is shared anyway.
        accounts: list[Account] = []
        summary: list[DemoAccount] = []
        for username, display_name, scope, scope_name, role in specs:
            account = Account(
                username=username, display_name=display_name, scope_code=scope.code, roles=[role]
            )
            if accounts:
                account.password_hash = accounts[0].password_hash
            else:
                account.set_password(DEMO_PASSWORD)
            accounts.append(account)
            summary.append(DemoAccount(username, display_name, scope_name, role))
        self.session.add_all(accounts)
        self.session.flush()
        return summary


def demo_accounts(runtime: Runtime) -> tuple[DemoAccount, ...]:
    """The accounts of an already seeded demo, read back from the database."""
    with runtime.db.new_session() as session:
        accounts = session.scalars(select(Account).order_by(Account.id)).all()
        return tuple(
            DemoAccount(
                username=a.username,
                display_name=a.display_name,
                scope_name=a.scope.name,
                role=(a.roles or [""])[0],
            )
            for a in accounts
        )
