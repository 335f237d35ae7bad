"""A generated prefecture-level city (恩施土家族苗族自治州), bulk-loaded for the benchmarks.

At scale 1.0: 8 counties (the prefecture's real county-level codes), 90 towns, 3,000 villages,
3 million residents in 1 million households, one points account per household (村民积分 is held
by households by default) and 10 million points movements (5 million transfers, each an issuing
account paying a household or a deduction taken back), with the maintained balances, earned
totals and monthly/yearly tallies that the points plugin keeps. A scale of 0.1 keeps the tree
and takes a tenth of every volume.

Loading is raw bulk inserts through SQLAlchemy Core: setup, not what is measured, and not
audited. Every row is still valid data the app reads: identity numbers with their check digit
and the county's area code, sex and birth date derived from them, twelve-digit locality codes
under their parents, ledger transfers that sum to zero.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, insert, text
from stdnum.cn import ric

from core import migrate
from core.config import parse_config
from core.models import ApiToken, Household, Locality, Person
from core.runtime import Runtime
from core.testing import add_account, make_config_data

PREFECTURE = ("422800000000", "恩施土家族苗族自治州")
COUNTIES = [
    ("422801", "恩施市"),
    ("422802", "利川市"),
    ("422822", "建始县"),
    ("422823", "巴东县"),
    ("422825", "宣恩县"),
    ("422826", "咸丰县"),
    ("422827", "来凤县"),
    ("422828", "鹤峰县"),
]
TOWNS = 90
VILLAGES = 3_000
RESIDENTS = 3_000_000
HOUSEHOLDS = 1_000_000
MOVEMENTS = 10_000_000
PLUGINS = ["points", "assistance", "supervision", "consultation"]
SCHEME = "resident"
YEAR = 2026
CHUNK = 50_000

SURNAMES = "向田谭黄杨张王李刘陈彭冉覃龚邓周吴郑赵孙胡何罗"
GIVEN = "明华军平芳丽强勇杰娟英秀敏静海波涛云峰霞红玉兰桂生春秋冬晓东"


@dataclasses.dataclass
class City:
    """A built city: its deployment, tree and the accounts the benchmarks act as."""

    runtime: Runtime
    path: Path
    scale: float
    counties: list[str]  # 12-digit county codes
    towns: list[str]
    villages: list[str]
    tokens: dict[str, str]  # username -> API bearer token
    counts: dict[str, int]
    seconds: float

    @property
    def county(self) -> str:
        """The county the county-level figures use (恩施市)."""
        return self.counties[0]

    @property
    def town(self) -> str:
        """The town the town-level figures use."""
        return self.towns[0]

    @property
    def village(self) -> str:
        """The village the village-level figures use."""
        return self.villages[0]


def config_data(url: str, plugins: list[str]) -> dict[str, Any]:
    """The deployment of the prefecture with ``plugins`` enabled."""
    return make_config_data(url, plugins, locality_code=PREFECTURE[0], locality_name=PREFECTURE[1])


def tree() -> tuple[list[dict[str, Any]], list[str], list[str], list[str]]:
    """Locality rows (prefecture, counties, towns, villages) and the codes per level."""
    rows = [{"code": PREFECTURE[0], "name": PREFECTURE[1], "level": "city", "parent_code": None}]
    counties, towns, villages = [], [], []
    for index, (area, name) in enumerate(COUNTIES):
        county = f"{area}000000"
        counties.append(county)
        rows.append({"code": county, "name": name, "level": "county", "parent_code": PREFECTURE[0]})
        town_count = TOWNS // len(COUNTIES) + (index < TOWNS % len(COUNTIES))
        for t in range(1, town_count + 1):
            town = f"{area}{100 + t:03d}000"
            towns.append(town)
            label = f"{name[:-1]}第{t}镇"
            rows.append({"code": town, "name": label, "level": "town", "parent_code": county})
    for index, town in enumerate(towns):
        count = VILLAGES // len(towns) + (index < VILLAGES % len(towns))
        for v in range(1, count + 1):
            code = f"{town[:9]}{200 + v:03d}"
            villages.append(code)
            rows.append({"code": code, "name": f"第{v}村", "level": "village", "parent_code": town})
    return rows, counties, towns, villages


POINTS_TABLES = ["points_account", "points_transfer", "points_movement", "points_tally"]


def _advance_sequences(connection: Any, tables: list[str]) -> None:
    """On PostgreSQL, move each table's id sequence past the ids the bulk load gave explicitly,
    so that the app's own inserts do not collide (SQLite needs nothing: it takes max(id) + 1)."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        )


def _insert(connection: Any, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    """Insert rows in chunks with executemany; returns how many."""
    total = 0
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            connection.execute(insert(table), chunk)
            total += len(chunk)
            chunk = []
    if chunk:
        connection.execute(insert(table), chunk)
        total += len(chunk)
    return total


class _Numbers:
    """Valid, unique identity numbers per county: birth dates from 1940 on, then a sequence."""

    DAYS = 29_000

    def __init__(self) -> None:
        start = dt.date(1940, 1, 1)
        self.births = [start + dt.timedelta(days=d) for d in range(self.DAYS)]
        self.birth_text = [f"{b:%Y%m%d}" for b in self.births]
        self.used: dict[str, int] = defaultdict(int)

    def next(self, area: str) -> tuple[str, dt.date]:
        """The county's next number and its birth date."""
        k = self.used[area]
        self.used[area] = k + 1
        day = (k * 7919) % self.DAYS  # spread the ages
        body = f"{area}{self.birth_text[day]}{k // self.DAYS:03d}"
        return body + ric.calc_check_digit(body + "0"), self.births[day]


def _people(
    villages: list[str], households: int, residents: int, rng: random.Random
) -> Iterator[tuple[str, int, str, str, dt.date, str]]:
    """(village, household index, name, identity number, birth date, relation), village by
    village as a register is kept; about three residents per household."""
    numbers = _Numbers()
    per_household = residents / households
    for h in range(households):
        village = villages[h * len(villages) // households]
        members = round((h + 1) * per_household) - round(h * per_household)
        surname = rng.choice(SURNAMES)
        for m in range(members):
            number, born = numbers.next(village[:6])
            name = surname + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
            yield village, h, name, number, born, "户主" if m == 0 else "家庭成员"


def build(
    folder: Path,
    scale: float,
    *,
    url: str | None = None,
    log: Callable[[str], None] = print,
    seed: int = 2026,
) -> City:
    """Create, migrate and fill the city database at ``scale`` (1.0 is the full city)."""
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"city-{scale:g}.db"
    if url is None:
        path.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    runtime = Runtime(parse_config(config_data(url, PLUGINS)))
    migrate.upgrade(runtime)
    rng = random.Random(seed)
    rows, counties, towns, villages = tree()
    households = int(HOUSEHOLDS * scale)
    residents = int(RESIDENTS * scale)
    transfers = int(MOVEMENTS * scale) // 2
    counts: dict[str, int] = {}
    from plugins.points.models import PointsAccount, PointsMovement, PointsTally, PointsTransfer

    now = dt.datetime.now(dt.UTC)
    with runtime.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM core_locality"))  # the root db upgrade added
        counts["localities"] = _insert(connection, Locality.__table__, iter(rows))
        log(f"  区划 {counts['localities']:,} 个")
        counts["households"] = _insert(
            connection,
            Household.__table__,
            (
                {
                    "id": h + 1,
                    "number": f"{villages[h * len(villages) // households]}{h:07d}",
                    "locality_code": villages[h * len(villages) // households],
                    "created_at": now,
                }
                for h in range(households)
            ),
        )
        log(f"  户 {counts['households']:,} 个（{time.perf_counter() - started:.0f} s）")
        counts["residents"] = _insert(
            connection,
            Person.__table__,
            (
                {
                    "name": name,
                    "id_number": number,
                    "sex": "male" if int(number[16]) % 2 else "female",
                    "birth_date": born,
                    "household_id": h + 1,
                    "relation": relation,
                    "locality_code": village,
                    "created_at": now,
                }
                for village, h, name, number, born, relation in _people(
                    villages, households, residents, rng
                )
            ),
        )
        log(f"  居民 {counts['residents']:,} 人（{time.perf_counter() - started:.0f} s）")

        # Points: an issuing account per village, a holder account per household.
        issuing = {v: i + 1 for i, v in enumerate(villages)}
        first_holder = len(villages) + 1
        balances: dict[int, int] = defaultdict(int)  # issuing accounts
        holder_rows: list[dict[str, Any]] = []
        tallies: dict[tuple[int, str], list[int]] = {}
        transfer_rows: list[dict[str, Any]] = []
        movement_rows: list[dict[str, Any]] = []
        made = {"transfers": 0, "movements": 0, "tallies": 0, "holders": 0}
        per_household = transfers / households

        def flush() -> None:
            """Write what was generated, parents first (SQLite checks foreign keys at once)."""
            made["holders"] += _insert(connection, PointsAccount.__table__, iter(holder_rows))
            made["transfers"] += _insert(connection, PointsTransfer.__table__, iter(transfer_rows))
            made["movements"] += _insert(connection, PointsMovement.__table__, iter(movement_rows))
            made["tallies"] += _insert(
                connection,
                PointsTally.__table__,
                (
                    {
                        "account_id": account_id,
                        "period": period,
                        "scheme": SCHEME,
                        "locality_code": code,
                        "earned": earned,
                        "credits": credits,
                        "debits": debits,
                    }
                    for (account_id, period), (earned, credits, debits, code) in tallies.items()
                ),
            )
            for pending in (holder_rows, transfer_rows, movement_rows):
                pending.clear()
            tallies.clear()

        _insert(
            connection,
            PointsAccount.__table__,
            (
                {
                    "id": issuing[v],
                    "key": f"issuing:{SCHEME}:{v}",
                    "scheme": SCHEME,
                    "kind": "issuing",
                    "locality_code": v,
                    "balance": 0,
                    "earned": 0,
                    "floor": None,
                    "created_at": now,
                }
                for v in villages
            ),
        )
        transfer_id = 0
        movement_id = 0
        for h in range(households):
            village = villages[h * len(villages) // households]
            account_id = first_holder + h
            count = round((h + 1) * per_household) - round(h * per_household)
            balance = 0
            for _ in range(count):
                value_date = dt.date(YEAR, rng.randint(1, 10), rng.randint(1, 28))
                if balance >= 5 and rng.random() < 0.1:
                    kind, amount, memo = "deduction", -rng.choice((2, 5)), "违反村规民约扣分"
                else:
                    kind, amount, memo = "award", rng.choice((1, 2, 3, 5, 10)), "参加志愿服务"
                balance += amount
                balances[issuing[village]] -= amount
                transfer_id += 1
                transfer_rows.append(
                    {
                        "id": transfer_id,
                        "kind": kind,
                        "scheme": SCHEME,
                        "value_date": value_date,
                        "memo": memo,
                        "locality_code": village,
                        "created_at": now,
                        "created_by": "bench",
                    }
                )
                for account, value in ((issuing[village], -amount), (account_id, amount)):
                    movement_id += 1
                    movement_rows.append(
                        {
                            "id": movement_id,
                            "transfer_id": transfer_id,
                            "account_id": account,
                            "amount": value,
                            "locality_code": village,
                        }
                    )
                for period in (f"{value_date:%Y-%m}", str(YEAR)):
                    tally = tallies.setdefault((account_id, period), [0, 0, 0, village])
                    tally[0] += amount
                    tally[1] += max(amount, 0)
                    tally[2] += max(-amount, 0)
            holder_rows.append(
                {
                    "id": account_id,
                    "key": f"holder:{SCHEME}:household:{h + 1}",
                    "scheme": SCHEME,
                    "kind": "holder",
                    "household_id": h + 1,
                    "locality_code": village,
                    "balance": balance,
                    "earned": balance,  # awards and deductions both count as earned
                    "floor": -100,
                    "created_at": now,
                }
            )
            if len(tallies) >= CHUNK or len(movement_rows) >= CHUNK:
                flush()  # at a household's end: its tallies are complete
            if h and h % 100_000 == 0:
                log(f"  积分户 {h:,}（{time.perf_counter() - started:.0f} s）")
        flush()
        account_table = PointsAccount.__table__
        connection.execute(
            account_table.update()
            .where(account_table.c.id == bindparam("b_id"))
            .values(balance=bindparam("b_balance")),
            [{"b_id": i, "b_balance": b} for i, b in balances.items()],
        )
        counts.update(
            {
                "points_accounts": made["holders"] + len(villages),
                "points_transfers": made["transfers"],
                "points_movements": made["movements"],
                "points_tallies": made["tallies"],
            }
        )
        log(
            f"  积分流水 {made['movements']:,} 条、账户 {counts['points_accounts']:,} 个"
            f"（{time.perf_counter() - started:.0f} s）"
        )
    with runtime.db.engine.begin() as connection:
        _advance_sequences(connection, ["core_household", "core_person", *POINTS_TABLES])
        connection.execute(text("ANALYZE"))  # fresh statistics, as a running system has
    tokens: dict[str, str] = {}
    with runtime.db.transaction() as session:
        for username, scope, role in (
            ("county", counties[0], "county_admin"),
            ("town", towns[0], "town_admin"),
            ("village", villages[0], "village_admin"),
        ):
            account = add_account(session, username, scope, [role])
            row, token = ApiToken.issue(account)
            session.add(row)
            tokens[username] = token
    seconds = time.perf_counter() - started
    log(f"  建成：{seconds:.0f} s")
    return City(runtime, path, scale, counties, towns, villages, tokens, counts, seconds)


def _marker(folder: Path, scale: float) -> Path:
    return folder / f"city-{scale:g}.json"


def save(city: City) -> None:
    """Remember a built city (counts, codes, bench-only tokens) beside its database file."""
    data = {
        "scale": city.scale,
        "counties": city.counties,
        "towns": city.towns,
        "villages": city.villages,
        "tokens": city.tokens,
        "counts": city.counts,
        "seconds": city.seconds,
    }
    _marker(city.path.parent, city.scale).write_text(json.dumps(data), encoding="utf-8")


def load(folder: Path, scale: float) -> City | None:
    """A city built earlier at ``scale`` in ``folder``, or ``None`` if there is none."""
    marker = _marker(folder, scale)
    path = folder / f"city-{scale:g}.db"
    if not marker.is_file() or not path.is_file():
        return None
    data = json.loads(marker.read_text(encoding="utf-8"))
    runtime = Runtime(parse_config(config_data(f"sqlite:///{path}", PLUGINS)))
    return City(
        runtime,
        path,
        scale,
        data["counties"],
        data["towns"],
        data["villages"],
        data["tokens"],
        data["counts"],
        data["seconds"],
    )


def build_or_load(folder: Path, scale: float, log: Callable[[str], None] = print) -> City:
    """Reuse the city built earlier at ``scale``, or build (and remember) it."""
    city = load(folder, scale)
    if city is not None:
        log(f"  沿用已生成的城市数据：{city.path}（生成用时 {city.seconds:.0f} s）")
        # A city generated by an older version is brought to the current schema first, as a
        # deployment's `gongzhi db upgrade` would (new indexes, new tables).
        from core import migrate

        migrate.upgrade(city.runtime)
        return city
    city = build(folder, scale, log=log)
    save(city)
    return city


ENROLMENTS = 100_000


def ensure_assistance(city: City, log: Callable[[str], None] = print) -> int:
    """Add the city's 低保 caseload if it is not there yet: ``100,000 × scale`` approved
    applications, each with its active enrolment (one per household, spread over every village),
    paid monthly. Returns how many enrolments the city has."""
    from sqlalchemy import func, select

    from plugins.assistance.models import AssistanceApplication, AssistanceEnrolment

    engine = city.runtime.db.engine
    with engine.connect() as connection:
        existing = connection.execute(
            select(func.count()).select_from(AssistanceEnrolment.__table__)
        ).scalar_one()
    if existing:
        return existing
    started = time.perf_counter()
    households = city.counts["households"]
    wanted = int(ENROLMENTS * city.scale)
    step = households / wanted
    now = dt.datetime.now(dt.UTC)
    person_table = Person.__table__
    with engine.begin() as connection:
        heads = dict(
            connection.execute(
                select(person_table.c.household_id, func.min(person_table.c.id)).group_by(
                    person_table.c.household_id
                )
            ).all()
        )
        villages = dict(
            connection.execute(
                select(Household.__table__.c.id, Household.__table__.c.locality_code)
            ).all()
        )
        chosen = [int(i * step) + 1 for i in range(wanted)]
        applications = (
            {
                "id": n,
                "programme": "minimum_living",
                "applicant_id": heads[h],
                "household_id": h,
                "channel": "window",
                "state": "approved",
                "category": "stable",
                "statement": "家庭人均收入低于当地低保标准",
                "submitted_at": now - dt.timedelta(days=200),
                "accepted_at": now - dt.timedelta(days=199),
                "accepted_office": villages[h][:9] + "000",
                "eligible": True,
                "amount": Decimal("520.00"),
                "decided_at": now - dt.timedelta(days=150),
                "decided_by": "bench",
                "locality_code": villages[h],
            }
            for n, h in enumerate(chosen, start=1)
        )
        _insert(connection, AssistanceApplication.__table__, applications)
        enrolments = (
            {
                "id": n,
                "application_id": n,
                "programme": "minimum_living",
                "person_id": heads[h],
                "household_id": h,
                "category": "stable",
                "state": "active",
                "active_key": f"minimum_living:h{h}",
                "start_on": dt.date(YEAR, 1, 1),
                "monthly_amount": Decimal("520.00"),
                "persons": 3,
                "payee_bank": "湖北农信",
                "payee_account": f"6217{h:015d}",
                "locality_code": villages[h],
                "created_at": now,
            }
            for n, h in enumerate(chosen, start=1)
        )
        made = _insert(connection, AssistanceEnrolment.__table__, enrolments)
        _advance_sequences(connection, ["assistance_application", "assistance_enrolment"])
        connection.execute(text("ANALYZE"))
    log(f"  低保对象 {made:,} 户（{time.perf_counter() - started:.0f} s）")
    return made
