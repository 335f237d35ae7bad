"""Run every benchmark and print (and save) a table of ratios: ours against a raw baseline.

Usage: ``python -m benchmarks.run [--residents N] [--output benchmarks/RESULTS.md]``.
Absolute times vary between machines; the ratios measured in the same run are what we track.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert, select

from core import migrate
from core.config import parse_config
from core.identity import make_id_number
from core.importer import import_persons
from core.localities import within
from core.models import Account, ApiToken, Locality, Person
from core.runtime import Runtime
from core.testing import make_config_data
from hostapp import create_app

CITY = ("429004000000", "仙桃市")  # a county-level city with several hundred villages


def timed(function: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``repeat`` calls, in seconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def build_city(folder: Path, residents: int, towns: int = 20, villages_per_town: int = 30):
    """A migrated SQLite deployment with a city's tree and ``residents`` people, bulk-loaded."""
    url = f"sqlite:///{folder / 'city.db'}"
    runtime = Runtime(
        parse_config(make_config_data(url, [], locality_code=CITY[0], locality_name=CITY[1]))
    )
    migrate.upgrade(runtime)
    localities = [{"code": CITY[0], "name": CITY[1], "level": "county", "parent_code": None}]
    villages = []
    for t in range(1, towns + 1):
        town = f"{CITY[0][:6]}{t:03d}000"
        localities.append({"code": town, "name": f"镇{t}", "level": "town", "parent_code": CITY[0]})
        for v in range(1, villages_per_town + 1):
            code = f"{town[:9]}{v:03d}"
            villages.append(code)
            localities.append(
                {"code": code, "name": f"村{t}-{v}", "level": "village", "parent_code": town}
            )
    people = []
    birth = dt.date(1950, 1, 1)
    for i in range(residents):
        number = make_id_number(CITY[0][:6], birth + dt.timedelta(days=i // 900), i % 900)
        people.append(
            {
                "name": f"居民{i}",
                "id_number": number,
                "sex": "male",
                "birth_date": birth,
                "locality_code": villages[i % len(villages)],
                "created_at": dt.datetime.now(dt.UTC),
            }
        )
    with runtime.db.engine.begin() as connection:  # bulk load: setup, not what is measured
        connection.execute(insert(Locality), localities)
        connection.execute(insert(Person), people)
    with runtime.db.transaction() as session:
        account = Account(
            username="village", display_name="村", scope_code=villages[7], roles=["village_admin"]
        )
        account.password_hash = "x"
        town_account = Account(
            username="town",
            display_name="镇",
            scope_code=villages[7][:9] + "000",
            roles=["town_admin"],
        )
        town_account.password_hash = "x"
        session.add_all([account, town_account])
        tokens = {}
        for acc in (account, town_account):
            row, token = ApiToken.issue(acc)
            session.add(row)
            tokens[acc.username] = token
    return runtime, villages, tokens


def bench_scoped_listing(runtime: Runtime, villages: list[str], tokens: dict[str, str]):
    """A town account lists its residents through the API, against the same query in raw SQL."""
    client = create_app(runtime).test_client()
    headers = {"Authorization": f"Bearer {tokens['town']}"}
    town = villages[7][:9] + "000"

    def ours() -> None:
        response = client.get("/api/v1/persons?page=3&page_size=50", headers=headers)
        assert response.status_code == 200 and len(response.get_json()) == 50

    path = runtime.db.engine.url.database
    raw_db = sqlite3.connect(path)
    prefix = town[:9]

    def raw() -> None:
        raw_db.execute(
            "SELECT count(*) FROM core_person WHERE locality_code >= ? AND locality_code < ?",
            (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)),
        ).fetchone()
        rows = raw_db.execute(
            "SELECT id, name, id_number, sex, birth_date, phone, locality_code, household_id,"
            " relation FROM core_person WHERE locality_code >= ? AND locality_code < ?"
            " ORDER BY id LIMIT 50 OFFSET 100",
            (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)),
        ).fetchall()
        assert len(rows) == 50

    result = ("按管辖范围分页列出居民（API，乡镇账号）", timed(ours, 20), timed(raw, 20))
    raw_db.close()
    return result


def bench_scope_query(runtime: Runtime, villages: list[str]):
    """Counting a town's residents with the scope clause, against a raw LIKE-free range query."""
    town = villages[7][:9] + "000"
    session = runtime.db.new_session()
    from sqlalchemy import func

    def ours() -> None:
        session.scalar(
            select(func.count()).select_from(Person).where(within(Person.locality_code, town))
        )

    raw_db = sqlite3.connect(runtime.db.engine.url.database)
    prefix = town[:9]

    def raw() -> None:
        raw_db.execute(
            "SELECT count(*) FROM core_person WHERE locality_code >= ? AND locality_code < ?",
            (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)),
        ).fetchone()

    result = ("统计乡镇居民数（ORM 范围查询）", timed(ours, 20), timed(raw, 20))
    session.close()
    raw_db.close()
    return result


def bench_import(folder: Path, rows: int):
    """Importing residents (validated, audited, all-or-nothing) against raw executemany inserts."""
    url = f"sqlite:///{folder / 'import.db'}"
    runtime = Runtime(parse_config(make_config_data(url, [])))
    migrate.upgrade(runtime)
    with runtime.db.transaction() as session:
        session.add_all(
            [
                Locality(code="500243000000", name="县"),
                Locality(code="500243001000", name="镇"),
                Locality(code="500243001001", name="村"),
            ]
        )
    birth = dt.date(1960, 1, 1)
    numbers = [
        make_id_number("500243", birth + dt.timedelta(days=i // 900), i % 900) for i in range(rows)
    ]
    csv = folder / "people.csv"
    csv.write_text(
        "姓名,身份证号,行政区划代码\n"
        + "\n".join(f"居民{i},{n},500243001001" for i, n in enumerate(numbers)),
        encoding="utf-8",
    )

    def ours() -> None:
        with runtime.db.transaction() as session:
            import_persons(session, csv, scope_code="500243000000")
            session.rollback()

    raw_db = sqlite3.connect(runtime.db.engine.url.database)

    def raw() -> None:
        raw_db.executemany(
            "INSERT INTO core_person (name, id_number, sex, birth_date, locality_code, created_at)"
            " VALUES (?, ?, 'male', '1960-01-01', '500243001001', '2026-01-01')",
            [(f"居民{i}", n) for i, n in enumerate(numbers)],
        )
        raw_db.rollback()

    result = (f"导入 {rows} 名居民（校验、审计、事件）", timed(ours, 3), timed(raw, 3))
    raw_db.close()
    runtime.close()
    return result


def main() -> None:
    """Run the benchmarks and write the results table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument("--import-rows", type=int, default=5_000)
    parser.add_argument("--output", type=Path, default=Path("benchmarks/RESULTS.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        runtime, villages, tokens = build_city(folder, args.residents)
        setup = time.perf_counter() - started
        results = [
            bench_scope_query(runtime, villages),
            bench_scoped_listing(runtime, villages, tokens),
            bench_import(folder, args.import_rows),
        ]
        runtime.close()
    lines = [
        "# Benchmark results",
        "",
        f"Measured {dt.date.today()} on {platform.machine()}, Python {platform.python_version()},"
        f" SQLite {sqlite3.sqlite_version}; a city of {args.residents:,} residents in"
        f" {len(villages)} villages (bulk-loaded in {setup:.1f} s). Each figure is a median;"
        " the ratio is ours ÷ raw baseline, measured in the same run.",
        "",
        "| what | ours (ms) | raw baseline (ms) | ratio |",
        "|---|---:|---:|---:|",
    ]
    for name, ours, raw in results:
        lines.append(f"| {name} | {ours * 1000:.2f} | {raw * 1000:.2f} | {ours / raw:.1f}× |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
