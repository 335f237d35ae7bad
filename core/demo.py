"""The demo county: realistic, reproducible demo data for trying Gongzhi out (``gongzhi demo``).

The county looks like a real one: :func:`seed_demo` fills an empty, migrated database with the
deployment's county, its province and city, the towns and streets, villages and communities and
村民小组 of a *place description* (a TOML file named by ``[demo] place`` in the config, see
docs/localities.md; :data:`DEFAULT_PLACE`, Pengshui, otherwise), households and residents with
valid identity numbers and the place's common surnames, tags, organisations (party branches,
committees, the place's councils and social organisations, merchants) with their members and
local posts (巷长, 楼栋长, 三员三长…), and back-office accounts; then it lets every enabled plugin
add its own demo data through the ``register_demo_data`` hook, all in one transaction. Plugins
read the place (bank names, assistance standards, whether there is a party care fund) through
:func:`demo_place`.

Town names in the shipped place files are real; villages named in the reports are real too; every
code below the county and the other village, community and group names are demo-assigned:
plausible, but not taken from the official division list. People, phone numbers, identity numbers
and credit codes are invented; identity numbers and credit codes carry valid check digits.

The data is a function of the seed alone: :data:`DEMO_REFERENCE_DATE` stands for "today" when
ages, terms and inspection dates are drawn, so the same seed gives the same demo on any day.
The demo accounts share the documented password :data:`DEMO_PASSWORD`: the demo is the only place
in Gongzhi with a known password, so run it only on a deployment marked ``demo = true``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import random
import re
import tomllib
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import marshmallow
from faker import Faker
from marshmallow import fields, validate
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
    SettingOverride,
    Tag,
)
from core.security import ROLES
from core.validation import flatten_errors

if TYPE_CHECKING:
    from core.config import Config
    from core.runtime import Runtime

__all__ = [
    "DEFAULT_PLACE",
    "DEFAULT_RESIDENTS",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DEMO_REFERENCE_DATE",
    "DemoAccount",
    "DemoError",
    "DemoPlace",
    "DemoPlaceAccount",
    "DemoSummary",
    "PlaceFileSchema",
    "demo_place",
    "load_place",
    "place_for",
    "plugin_covers",
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
    merchants: tuple[str, ...] = ()  # shops in this very village (a town's are placed at random)

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


_GROUP_NAMES = ("一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组", "九组")


# --- The place the demo looks like ---------------------------------------------------------------

DEFAULT_PLACE = Path(__file__).resolve().parent.parent / "configs" / "places" / "pengshui.toml"
"""The place description used when the config has no ``[demo] place``: Pengshui, as in
``configs/demo.toml``."""

SOCIAL_TYPES = {"social_group": "社会团体", "private_non_enterprise": "民办非企业单位"}

_NAME = validate.Length(min=1, max=40)


def _names() -> fields.List:
    return fields.List(fields.String(validate=_NAME))


def _non_empty(what: str) -> validate.Length:
    return validate.Length(min=1, error=f"至少要有一个{what}")


class _PlaceSchema(marshmallow.Schema):
    class Meta:
        unknown = marshmallow.RAISE


class _VillageSchema(_PlaceSchema):
    name = fields.String(required=True, validate=_NAME)
    groups = fields.Integer(
        load_default=0, strict=True, validate=validate.Range(min=0, max=len(_GROUP_NAMES))
    )
    merchants = fields.List(fields.String(validate=_NAME), load_default=list)


class _TownSchema(_PlaceSchema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(r"^\d{3}$", error="必须是 3 位数字（区划代码第 7-9 位）"),
    )
    name = fields.String(required=True, validate=_NAME)
    merchants = fields.List(fields.String(validate=_NAME), load_default=list)
    villages = fields.List(
        fields.Nested(_VillageSchema), required=True, validate=_non_empty("村（社区）")
    )

    @marshmallow.validates("code")
    def _not_zero(self, value: str, **_: Any) -> None:
        if value == "000":
            raise marshmallow.ValidationError("乡镇代码不能是 000")


class _SocialOrganizationSchema(_PlaceSchema):
    name = fields.String(required=True, validate=_NAME)
    type = fields.String(
        required=True,
        validate=validate.OneOf(
            list(SOCIAL_TYPES), error="必须是 social_group（社会团体）或 private_non_enterprise"
        ),
    )
    town = fields.String(load_default=None, validate=_NAME)


class _AccountSchema(_PlaceSchema):
    username = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[a-z][a-z0-9_]{2,39}$", error="须为小写字母开头的字母、数字或下划线"
        ),
    )
    display_name = fields.String(required=True, validate=_NAME)
    town = fields.String(load_default=None, validate=_NAME)
    village = fields.String(load_default=None, validate=_NAME)
    roles = fields.List(fields.String(validate=_NAME), required=True, validate=_non_empty("角色"))


class _SettingOverrideSchema(_PlaceSchema):
    town = fields.String(required=True, validate=_NAME)
    village = fields.String(load_default=None, validate=_NAME)
    plugin = fields.String(required=True, validate=validate.Length(min=1, max=50))
    key = fields.String(required=True, validate=validate.Length(min=1, max=100))
    value = fields.Raw(required=True, allow_none=False)
    reason = fields.String(load_default="", validate=validate.Length(max=200))


class _AssistanceSchema(_PlaceSchema):
    rural_standard = fields.Integer(strict=True, load_default=700, validate=validate.Range(1, 5000))
    urban_standard = fields.Integer(strict=True, load_default=800, validate=validate.Range(1, 5000))
    party_care_fund = fields.Boolean(load_default=True)


FOUR_OFFICES = {
    "deliberate": ("council", "village_party"),
    "assist": ("helper", "town_party"),
    "supervise": ("town_party", "county_task_force"),
}
"""Who usually takes 议办, 协办 and 督办 of a village-led matter (triage sets 领办): the
village's first council or its party branch; a social organisation or merchant nearby, or the
township's party committee; the township's party committee, or a county task force (工作专班)."""


class _FourOfficesSchema(_PlaceSchema):
    deliberate = fields.String(
        load_default="council", validate=validate.OneOf(FOUR_OFFICES["deliberate"])
    )
    assist = fields.String(load_default="helper", validate=validate.OneOf(FOUR_OFFICES["assist"]))
    supervise = fields.String(
        load_default="town_party", validate=validate.OneOf(FOUR_OFFICES["supervise"])
    )
    task_force = fields.String(load_default=None, validate=_NAME)

    @marshmallow.validates_schema
    def _task_force_named(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("supervise") == "county_task_force" and not data.get("task_force"):
            raise marshmallow.ValidationError("由工作专班督办时须写明 task_force", "task_force")


class PlaceFileSchema(_PlaceSchema):
    """A place description file (``[demo] place``); docs/localities.md lists its keys."""

    ancestors = fields.Dict(keys=fields.String(), values=fields.String(validate=_NAME))
    landline = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^0\d{2,3}-\d*#+$", error="形如 0523-88######：区号、局号，# 为随机数字"
        ),
    )
    surnames = fields.List(fields.String(validate=validate.Length(min=1, max=2)), required=True)
    surname_share = fields.Float(load_default=0.4, validate=validate.Range(0, 1))
    streets = _names()
    places = _names()
    county_departments = _names()
    bank = fields.String(required=True, validate=_NAME)
    collective_bank = fields.String(required=True, validate=_NAME)
    village_roles = fields.Dict(
        keys=fields.String(validate=_NAME),
        values=fields.Integer(strict=True, validate=validate.Range(1, 10)),
        load_default=lambda: {"巷长": 2},
    )
    community_roles = fields.Dict(
        keys=fields.String(validate=_NAME),
        values=fields.Integer(strict=True, validate=validate.Range(1, 10)),
        load_default=lambda: {"楼栋长": 3},
    )
    village_councils = fields.List(
        fields.String(validate=_NAME), load_default=lambda: ["红白理事会"]
    )
    community_councils = fields.List(
        fields.String(validate=_NAME), load_default=lambda: ["居民议事会"]
    )
    assistance = fields.Nested(_AssistanceSchema, load_default=lambda: _AssistanceSchema().load({}))
    four_offices = fields.Nested(
        _FourOfficesSchema, load_default=lambda: _FourOfficesSchema().load({})
    )
    social_organizations = fields.List(fields.Nested(_SocialOrganizationSchema), load_default=list)
    accounts = fields.List(fields.Nested(_AccountSchema), load_default=list)
    setting_overrides = fields.List(fields.Nested(_SettingOverrideSchema), load_default=list)
    towns = fields.List(fields.Nested(_TownSchema), required=True, validate=_non_empty("乡镇"))

    @marshmallow.validates("surnames")
    def _enough_surnames(self, value: list[str], **_: Any) -> None:
        if len(value) < 3:
            raise marshmallow.ValidationError("至少列出 3 个当地常见姓氏")

    @marshmallow.validates_schema
    def _references(self, data: dict[str, Any], **_: Any) -> None:
        towns = {town["name"]: town for town in data.get("towns", ())}
        errors: dict[str, Any] = {}
        codes = [town["code"] for town in data.get("towns", ())]
        if len(set(codes)) != len(codes) or len(towns) != len(codes):
            errors["towns"] = ["乡镇的代码和名称都不能重复"]
        for index, town in enumerate(data.get("towns", ())):
            names = [v["name"] for v in town["villages"]]
            if len(set(names)) != len(names):
                errors.setdefault("towns", {})
                if isinstance(errors["towns"], dict):
                    errors["towns"][index] = {"villages": [f"{town['name']}的村（社区）名称重复"]}
        for key in ("social_organizations", "accounts", "setting_overrides"):
            for index, entry in enumerate(data.get(key, ())):
                town = entry.get("town")
                if town is not None and town not in towns:
                    errors.setdefault(key, {})[index] = {"town": [f"没有名为 {town} 的乡镇"]}
                village = entry.get("village")
                if village is None:
                    continue
                if town is None:
                    errors.setdefault(key, {})[index] = {
                        "village": ["指定村（社区）时须同时写 town"]
                    }
                elif town in towns and village not in {v["name"] for v in towns[town]["villages"]}:
                    errors.setdefault(key, {})[index] = {
                        "village": [f"{town}没有名为 {village} 的村（社区）"]
                    }
        task_force = (data.get("four_offices") or {}).get("task_force")
        if task_force and task_force not in data.get("county_departments", ()):
            errors["four_offices"] = {"task_force": [f"{task_force} 不在 county_departments 中"]}
        if errors:
            raise marshmallow.ValidationError(errors)


@dataclasses.dataclass(frozen=True)
class DemoPlaceAccount:
    """An extra demo account named in the place description (e.g. a 镇纪委 joint supervisor)."""

    username: str
    display_name: str
    town: str | None
    village: str | None
    roles: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class DemoSettingOverride:
    """A town's or village's own value for a plugin setting (一村一策) in the demo."""

    town: str
    village: str | None
    plugin: str
    key: str
    value: Any
    reason: str


@dataclasses.dataclass(frozen=True)
class DemoPlace:
    """What the demo of one county looks like: its towns and villages, names and place words.

    Loaded from a TOML file (``[demo] place`` in the config, :data:`DEFAULT_PLACE` otherwise);
    core's demo draws the tree, residents and organisations from it, and plugins' demos read the
    bank names, assistance standards and practice switches through :func:`demo_place`.
    """

    source: Path
    towns: tuple[_TownSpec, ...]
    ancestors: dict[str, str]
    landline: str
    surnames: tuple[str, ...]
    surname_share: float
    streets: tuple[str, ...]
    places: tuple[str, ...]
    county_departments: tuple[str, ...]
    bank: str
    collective_bank: str
    village_roles: dict[str, int]
    community_roles: dict[str, int]
    village_councils: tuple[str, ...]
    community_councils: tuple[str, ...]
    social_organizations: tuple[tuple[str, str, str | None], ...]
    accounts: tuple[DemoPlaceAccount, ...]
    rural_standard: Decimal
    urban_standard: Decimal
    party_care_fund: bool
    four_offices: dict[str, str] = dataclasses.field(default_factory=dict)
    setting_overrides: tuple[DemoSettingOverride, ...] = ()

    def town(self, name: str) -> _TownSpec:
        """The town called ``name`` (names are unique in a place description)."""
        return next(t for t in self.towns if t.name == name)


@functools.lru_cache(maxsize=16)
def _load_place_cached(path: str, mtime_ns: int) -> DemoPlace:
    return _parse_place(Path(path))


def load_place(path: str | Path) -> DemoPlace:
    """Read and validate a place description; :class:`DemoError` names the file and each problem."""
    file = Path(path).resolve()
    try:
        mtime = file.stat().st_mtime_ns
    except OSError as exc:
        raise DemoError(f"演示地方描述文件 {file} 不存在或无法读取") from exc
    return _load_place_cached(str(file), mtime)


def _parse_place(file: Path) -> DemoPlace:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DemoError(f"演示地方描述文件 {file} 无法读取：{exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DemoError(f"演示地方描述文件 {file} 有误：TOML 语法错误（{exc}）") from exc
    try:
        loaded = PlaceFileSchema().load(data)
    except marshmallow.ValidationError as exc:
        problems = "\n".join(f"  {e}" for e in flatten_errors(exc.messages))
        raise DemoError(f"演示地方描述文件 {file} 有误：\n{problems}") from exc
    towns = tuple(
        _TownSpec(
            town["code"],
            town["name"],
            tuple(
                _VillageSpec(f"{n:03d}", v["name"], v["groups"], tuple(v["merchants"]))
                for n, v in enumerate(town["villages"], start=1)
            ),
            tuple(town["merchants"]),
        )
        for town in loaded["towns"]
    )
    assistance = loaded["assistance"]
    return DemoPlace(
        source=file,
        towns=towns,
        ancestors=dict(loaded.get("ancestors") or {}),
        landline=loaded["landline"],
        surnames=tuple(loaded["surnames"]),
        surname_share=loaded["surname_share"],
        streets=tuple(loaded.get("streets") or ("人民路",)),
        places=tuple(loaded.get("places") or ("村口",)),
        county_departments=tuple(loaded.get("county_departments") or ("民政局",)),
        bank=loaded["bank"],
        collective_bank=loaded["collective_bank"],
        village_roles=dict(loaded["village_roles"]),
        community_roles=dict(loaded["community_roles"]),
        village_councils=tuple(loaded["village_councils"]),
        community_councils=tuple(loaded["community_councils"]),
        social_organizations=tuple(
            (o["name"], o["type"], o["town"]) for o in loaded["social_organizations"]
        ),
        accounts=tuple(
            DemoPlaceAccount(
                a["username"], a["display_name"], a["town"], a["village"], tuple(a["roles"])
            )
            for a in loaded["accounts"]
        ),
        rural_standard=Decimal(assistance["rural_standard"]),
        urban_standard=Decimal(assistance["urban_standard"]),
        party_care_fund=assistance["party_care_fund"],
        four_offices={k: v for k, v in loaded["four_offices"].items() if v is not None},
        setting_overrides=tuple(
            DemoSettingOverride(
                o["town"], o["village"], o["plugin"], o["key"], o["value"], o["reason"]
            )
            for o in loaded["setting_overrides"]
        ),
    )


def place_for(config: Config) -> DemoPlace:
    """The place description of a deployment: ``[demo] place`` (relative to the config file)."""
    name = (config.raw.get("demo") or {}).get("place")
    if not name:
        return load_place(DEFAULT_PLACE)
    path = Path(name)
    return load_place(path if path.is_absolute() else config.base_dir / path)


def demo_place(session: Session) -> DemoPlace:
    """The place description of the deployment a session belongs to (for plugins' demos)."""
    return place_for(session.info["runtime"].config)


_TAGS = {
    "党员": "中共党员（含预备党员）",
    "老年人": "65 周岁及以上",
    "留守儿童": "父母外出务工、留在户籍地生活的未满 16 周岁儿童",
    "留守老人": "子女均外出务工、留在农村生活的 60 周岁及以上老人",
    "残疾人": "持有残疾人证",
    "退役军人": "退出现役的军人",
    "志愿者": "在志愿服务组织登记的志愿者",
}

_MALE_MIDDLE = ("永", "光", "明", "志", "德", "国", "世", "学", "家", "正", "文", "兴", "昌")
_FEMALE_MIDDLE = ("秀", "玉", "桂", "春", "小", "晓", "雪", "丽", "海", "红", "美", "慧", "金")
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


def plugin_covers(session: Session, name: str, locality_code: str) -> bool:
    """Whether plugin ``name`` runs at ``locality_code`` in this deployment (``[coverage.NAME]``).

    Plugins' demos ask it before placing a record, so a pilot-only plugin's demo stays in its
    pilots. Deployments whose plugin manager predates coverage run every plugin everywhere.
    """
    covers = getattr(session.info.get("plugins"), "covers", None)
    return True if covers is None else bool(covers(name, locality_code))


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
    place = place_for(config)
    with runtime.db.transaction(actor=DEMO_ACTOR, channel="cli") as session:
        existing = select(Locality.code).where(Locality.code != county_code).limit(1)
        if session.scalar(existing) is not None:
            raise DemoError(
                "数据库中已有行政区划数据，演示数据只能导入空数据库。"
                "请换一个新的数据库（或清空现有数据库）后再导入。"
            )
        builder = _DemoBuilder(
            session, county_code, config.locality_name, seed, place, set(config.role_grants)
        )
        county, accounts = builder.build(residents)
        builder.add_setting_overrides()  # before the plugins' demos, which follow them
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


def _ancestor_name(code: str, known: dict[str, str]) -> str:
    """The name of a province or city above the demo county, from the division code list."""
    if code in known:
        return known[code]
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

    def __init__(
        self,
        session: Session,
        county_code: str,
        county_name: str,
        seed: int,
        place: DemoPlace,
        deployment_roles: Sequence[str] | set[str] = (),
    ) -> None:
        self.session = session
        self.place = place
        self.known_roles = set(ROLES) | set(deployment_roles)  # built-in and [roles.NAME]
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
        return re.sub("#", lambda _: str(self.rng.randrange(10)), self.place.landline)

    def _surname(self) -> str:
        if self.rng.random() < self.place.surname_share:
            return self.rng.choice(self.place.surnames)
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
            Locality(code=ancestor, name=_ancestor_name(ancestor, self.place.ancestors))
            for ancestor in (province_code, city_code)
        ]
        # ``gongzhi db upgrade`` may have created the county (the deployment's root) already.
        county = self.session.get(Locality, code) or Locality(code=code, name=self.county_name)
        localities.append(county)
        for town in self.place.towns:
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
                f"{rng.choice(self.place.streets)}{door}号{rng.randint(1, 12)}栋"
                f"{rng.randint(1, 3)}单元{rng.randint(1, 7)}0{rng.randint(1, 4)}"
            )
        elif village.groups:
            address = f"{locality.name}{door}号"
        else:
            address = f"{rng.choice(self.place.places)}{door}号"
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
        for town in self.place.towns:
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
        for department in self.place.county_departments:
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
        roles = self.place.community_roles if community else self.place.village_roles
        for role, holders in roles.items():
            for resident in self._pick(pool, holders, (30, 72)):
                self._appoint(committee, [resident], role, self._date_in_years(*since))

        supervision_name = f"{full}居务监督委员会" if community else f"{full}村务监督委员会"
        supervision = self._organization(
            supervision_name, OrganizationKind.SUPERVISION_COMMITTEE, code
        )
        chair = self._pick(pool, 1, (30, 65), party=True) or self._pick(pool, 1, (30, 70))
        self._appoint(supervision, chair, "监委会主任", election)
        self._appoint(supervision, self._pick(pool, 2, (25, 70)), "委员", election)

        councils = self.place.community_councils if community else self.place.village_councils
        for council_name in councils:
            council = self._organization(f"{full}{council_name}", OrganizationKind.COUNCIL, code)
            founded = self._date_in_years(2018, self.as_of.year - 1)
            self._appoint(council, self._pick(pool, 1, (45, 75)), "会长", founded)
            self._appoint(council, self._pick(pool, 3, (40, 78)), "理事", founded)

    def _add_social_organizations(self) -> None:
        everyone = [r for v in self.villages for r in v.residents]
        for name, social_type, town_name in self.place.social_organizations:
            if town_name is None:
                locality_code, prefix, pool = self.county_code, self.county_name, everyone
            else:
                town = self.place.town(town_name)
                locality_code = self.town_localities[town.suffix].code
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
        for town in self.place.towns:
            villages = [v for v in self.villages if v.town is town]
            placed = [(self.rng.choice(villages), name) for name in town.merchants]
            placed += [(v, name) for v in villages for name in v.spec.merchants]
            for village, name in placed:
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
        specs: list[tuple[str, str, Locality, str, tuple[str, ...]]] = [
            (
                "county_admin",
                f"{self.county_name}管理员",
                county,
                self.county_name,
                ("county_admin",),
            )
        ]
        for n, town in enumerate(self.place.towns, start=1):
            locality = self.town_localities[town.suffix]
            specs.append((f"town_{n}", f"{town.name}管理员", locality, town.name, ("town_admin",)))
        for n, village in enumerate(self.villages, start=1):
            specs.append(
                (
                    f"village_{n}",
                    f"{village.full_name}管理员",
                    village.locality,
                    village.full_name,
                    ("village_admin",),
                )
            )
        specs += self._place_account_specs(county)
        # One hash for all: scrypt is deliberately slow, and the demo password is shared anyway.
        accounts: list[Account] = []
        summary: list[DemoAccount] = []
        for username, display_name, scope, scope_name, roles in specs:
            account = Account(
                username=username,
                display_name=display_name,
                scope_code=scope.code,
                roles=list(roles),
            )
            if accounts:
                account.password_hash = accounts[0].password_hash
            else:
                account.set_password(DEMO_PASSWORD)
            accounts.append(account)
            summary.append(DemoAccount(username, display_name, scope_name, roles[0]))
        self.session.add_all(accounts)
        self.session.flush()
        return summary

    def add_setting_overrides(self) -> None:
        """The place's 一村一策 values, for the enabled plugins that run where they are set.

        Each is checked like one typed in the admin; a bad one stops the demo naming it.
        """
        from core.settings import SettingOverrideError, check_override

        plugins = self.session.info["plugins"]
        villages = {(v.town.name, v.spec.name): v for v in self.villages}
        for index, item in enumerate(self.place.setting_overrides):
            if item.village is not None:
                code = villages[(item.town, item.village)].locality.code
            else:
                code = self.town_localities[self.place.town(item.town).suffix].code
            if not plugins.covers(item.plugin, code):
                continue  # the plugin is not enabled, or not run there
            try:
                check_override(self.session, item.plugin, item.key, item.value, code)
            except SettingOverrideError as exc:
                raise DemoError(
                    f"演示地方描述 {self.place.source.name} 的 setting_overrides[{index}]：{exc}"
                ) from exc
            self.session.add(
                SettingOverride(
                    locality_code=code,
                    plugin=item.plugin,
                    key=item.key,
                    value=item.value,
                    reason=item.reason,
                )
            )
        self.session.flush()

    def _place_account_specs(
        self, county: Locality
    ) -> list[tuple[str, str, Locality, str, tuple[str, ...]]]:
        """The extra accounts of the place description, with their scopes and roles."""
        villages = {(v.town.name, v.spec.name): v for v in self.villages}
        specs = []
        for account in self.place.accounts:
            unknown = [role for role in account.roles if role not in self.known_roles]
            if unknown:
                raise DemoError(
                    f"演示地方描述 {self.place.source.name} 中账号 {account.username} 的角色 "
                    f"{'、'.join(unknown)} 未定义：请在配置的 [roles.{unknown[0]}] 中定义它"
                )
            if account.village is not None:
                village = villages[(account.town or "", account.village)]
                scope, scope_name = village.locality, village.full_name
            elif account.town is not None:
                town = self.place.town(account.town)
                scope, scope_name = self.town_localities[town.suffix], town.name
            else:
                scope, scope_name = county, self.county_name
            specs.append((account.username, account.display_name, scope, scope_name, account.roles))
        return specs


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
