"""Figure 5: everyday operations at city scale, each against the raw SQL that writes the same.

* Awarding points to 200 attendees of one township deliberation: the consultation plugin records
  the attendance, each attendance is an event, the points plugin reacts with an automatic award
  per attendee (rule CY01: transfer, movements, balances, tallies, caps, audit). Baseline: raw
  ``executemany`` of the same 200 transfers and 400 movements and the 200 balance updates.
* The month's payment batch of the whole prefecture's 低保 enrolments (the assistance plugin's
  ``run_batch``: the due lines read and digested, the batch recorded, one ``INSERT … SELECT`` of
  the payment rows checked against the digest, the coverage figures). Baseline: one raw
  ``INSERT … SELECT`` of the same payment rows.
* A quarter's 15% inspection draw over a county's villages (the supervision plugin's
  ``draw_round``, reproducible from its seed). Baseline: the raw village query and
  ``random.sample``.
* Start-up with all four plugins, in a fresh process, until the app answers ``/healthz``.
  Baseline: a fresh process building an empty Flask app.

Every write is rolled back, so the city stays as generated.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.city import PREFECTURE, City
from benchmarks.measure import Measurement
from core.db import utcnow
from core.localities import scope_prefix
from core.models import Account, Person
from plugins.assistance.payments import run_batch
from plugins.consultation import deliberations
from plugins.consultation.models import ConsultationDeliberation
from plugins.points.models import PointsAutoAward
from plugins.supervision.services.inspections import draw_round

ATTENDEES = 200
TARGET = 1.5
REPEAT = 3


def _bounds(code: str) -> tuple[str, str]:
    prefix = scope_prefix(code)
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _rolled_back(city: City, action: Callable[..., object], actor: str) -> float:
    """Seconds ``action(session, principal)`` takes; its writes are then rolled back."""
    session = city.runtime.db.new_session()
    session.info.update(actor=f"account:{actor}", channel="admin")
    try:
        account = session.scalar(select(Account).where(Account.username == actor))
        principal = city.runtime.plugins.permissions.principal(account)
        start = time.perf_counter()
        action(session, principal)
        session.flush()
        return time.perf_counter() - start
    finally:
        session.rollback()
        session.close()


def _median(function: Callable[[], float]) -> float:
    return statistics.median(function() for _ in range(REPEAT))


def award(city: City, log: Callable[[str], None]) -> Measurement:
    """200 attendees of a township meeting, each awarded points by the points plugin."""
    with city.runtime.db.transaction() as session:
        attendees = list(
            session.scalars(
                select(Person.id)
                .where(Person.locality_code.startswith(scope_prefix(city.town)))
                .order_by(Person.id)
                .limit(ATTENDEES)
            )
        )
    awarded: list[int] = []

    def ours() -> float:
        def action(session, principal) -> None:
            meeting = deliberations.plan_deliberation(
                session,
                locality_code=city.town,
                title="镇村民代表议事会",
                form="村民议事会",
                held_at=utcnow() - dt.timedelta(hours=2),
                place="镇政府会议室",
            )
            ConsultationDeliberation.__workflow__.apply(meeting, "hold", principal, session)
            session.flush()
            deliberations.record_attendance(
                session, meeting, "bench", person_ids=attendees, scope_code=city.town
            )
            session.flush()
            awarded.append(
                session.scalar(
                    select(func.count())
                    .select_from(PointsAutoAward)
                    .where(PointsAutoAward.transfer_id.is_not(None))
                )
                or 0
            )

        return _rolled_back(city, action, "town")

    def raw() -> float:
        db = sqlite3.connect(city.path)
        accounts = dict(
            db.execute(
                "SELECT p.id, a.id FROM core_person AS p JOIN points_account AS a"
                " ON a.household_id = p.household_id AND a.kind = 'holder'"
                f" WHERE p.id IN ({','.join('?' * len(attendees))})",
                attendees,
            ).fetchall()
        )
        issuing = db.execute(
            "SELECT id FROM points_account WHERE kind = 'issuing' AND locality_code = ?",
            (city.villages[0],),
        ).fetchone()[0]
        start = time.perf_counter()
        first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM points_transfer").fetchone()[0]
        db.executemany(
            "INSERT INTO points_transfer (id, kind, scheme, value_date, memo, locality_code,"
            " created_at) VALUES (?, 'award', 'resident', '2026-11-01', '参加议事', ?, ?)",
            [(first + i, city.town, "2026-11-01 00:00:00") for i in range(len(attendees))],
        )
        db.executemany(
            "INSERT INTO points_movement (transfer_id, account_id, amount, locality_code)"
            " VALUES (?, ?, ?, ?)",
            [
                row
                for i, person in enumerate(attendees)
                for row in (
                    (first + i, issuing, -2, city.town),
                    (first + i, accounts[person], 2, city.town),
                )
            ],
        )
        db.executemany(
            "UPDATE points_account SET balance = balance + 2, earned = earned + 2 WHERE id = ?",
            [(accounts[person],) for person in attendees],
        )
        seconds = time.perf_counter() - start
        db.rollback()
        db.close()
        return seconds

    ours_time, raw_time = _median(ours), _median(raw)
    assert min(awarded) == len(attendees), f"awards made: {awarded}"
    log(f"  {ATTENDEES} 人参会加分：{ours_time * 1000:.0f} ms")
    return Measurement(
        key="award",
        title=f"一次镇级议事会 {ATTENDEES} 名参会居民自动加分（事件 → 积分插件）",
        ours=ours_time,
        baseline=raw_time,
        unit="s",
        target=f"< {TARGET:g} s",
        met=ours_time < TARGET,
        baseline_title="raw executemany of the same transfers, movements and balance updates",
    )


def payments(city: City, log: Callable[[str], None]) -> Measurement:
    """The month's payment batch of every enrolment in the prefecture."""
    lines: list[int] = []

    def ours() -> float:
        def action(session, _principal) -> None:
            result = run_batch(
                session, period="2026-11", scope_code=PREFECTURE[0], actor_label="bench"
            )
            assert result.batch is not None, result.message
            lines.append(result.batch.line_count)

        return _rolled_back(city, action, "county")

    def raw() -> float:
        db = sqlite3.connect(city.path)
        start = time.perf_counter()
        batch = db.execute(
            "INSERT INTO assistance_batch (period, line_count, total, digest, created_at,"
            " exported_count, locality_code) VALUES ('2026-11', 0, 0, '', '2026-11-01', 0, ?)",
            (PREFECTURE[0],),
        ).lastrowid
        db.execute(
            "INSERT INTO assistance_payment (batch_id, period, programme, kind, application_id,"
            " enrolment_id, monthly_key, person_id, persons, amount, locality_code, created_at)"
            " SELECT ?, '2026-11', programme, 'monthly', application_id, id,"
            " id || ':2026-11', person_id, persons, monthly_amount, locality_code, '2026-11-01'"
            " FROM assistance_enrolment WHERE state != 'suspended' AND start_on <= '2026-11-30'"
            " AND (ended_on IS NULL OR ended_on > '2026-11-01')",
            (batch,),
        )
        seconds = time.perf_counter() - start
        db.rollback()
        db.close()
        return seconds

    ours_time, raw_time = _median(ours), _median(raw)
    log(f"  发放批次 {lines[0]:,} 笔：{ours_time:.2f} s")
    return Measurement(
        key="payments",
        title=f"全州低保月度发放批次（{lines[0]:,} 户）",
        ours=ours_time,
        baseline=raw_time,
        unit="s",
        target=f"< {TARGET:g} s",
        met=ours_time < TARGET,
        baseline_title="one raw INSERT … SELECT of the same payment rows",
    )


def inspection(city: City, log: Callable[[str], None]) -> Measurement:
    """A quarter's 15% inspection draw over a county's villages."""
    drawn: list[int] = []

    def ours() -> float:
        def action(session, principal) -> None:
            inspection = draw_round(
                session, principal, scope_code=city.county, year=2026, quarter=4, rate=15
            )
            drawn.append(inspection.sample_size)

        return _rolled_back(city, action, "county")

    def raw() -> float:
        db = sqlite3.connect(city.path)
        start = time.perf_counter()
        villages = [
            code
            for (code,) in db.execute(
                "SELECT code FROM core_locality WHERE level = 'village'"
                " AND code >= ? AND code < ? ORDER BY code",
                _bounds(city.county),
            )
        ]
        random.Random("bench").sample(villages, -(-len(villages) * 15 // 100))
        seconds = time.perf_counter() - start
        db.close()
        return seconds

    ours_time, raw_time = _median(ours), _median(raw)
    log(f"  督查抽签（{drawn[0]} 个村）：{ours_time * 1000:.0f} ms")
    return Measurement(
        key="inspection",
        title=f"季度督查按 15% 抽签（{city.county}，抽中 {drawn[0]} 个村）",
        ours=ours_time,
        baseline=raw_time,
        unit="s",
        target=f"< {TARGET:g} s",
        met=ours_time < TARGET,
        baseline_title="raw village query and random.sample",
    )


def _start(arguments: list[str], cpu: list[float] | None = None) -> float:
    """Seconds from launching a Python process with ``arguments`` until it prints ready (its CPU
    seconds, user and system, are appended to ``cpu``)."""
    root = Path(__file__).resolve().parent.parent
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-m", "benchmarks.startup", *arguments],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    assert process.stdout.strip() == "ready", process.stdout + process.stderr
    return seconds


def startup(city: City, log: Callable[[str], None]) -> Measurement:
    """A fresh process starting the app with all four plugins, against an empty Flask app."""
    _start([str(city.path)])  # warm the file cache once
    ours_cpu: list[float] = []
    bare_cpu: list[float] = []
    ours_time = _median(lambda: _start([str(city.path)], ours_cpu))
    raw_time = _median(lambda: _start(["--bare"], bare_cpu))
    log(f"  启动（四个插件）：{ours_time:.2f} s")
    return Measurement(
        key="startup",
        title="启动应用（四个插件，新进程，到 /healthz 可答）",
        ours=ours_time,
        baseline=raw_time,
        unit="s",
        target=f"< {TARGET:g} s",
        met=ours_time < TARGET,
        baseline_title="a fresh process building an empty Flask app",
        note=f"CPU time {statistics.median(ours_cpu):.2f} s vs {statistics.median(bare_cpu):.2f} s",
    )


def run(city: City, log: Callable[[str], None]) -> list[Measurement]:
    """Every operation of this figure."""
    return [award(city, log), payments(city, log), inspection(city, log), startup(city, log)]
