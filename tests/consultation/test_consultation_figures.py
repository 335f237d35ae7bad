"""Figures per locality and period against a recount, over a few thousand matters, fast and
with the same handful of queries whatever the volume."""

from __future__ import annotations

import datetime as dt
import random
import time
from zoneinfo import ZoneInfo

from consultation_support import NEIGHBOUR, TOWN, VILLAGE
from sqlalchemy import event, insert, select

from core.db import utcnow
from core.localities import is_within
from core.models import Person
from core.testing import COUNTY
from plugins.consultation.models import ConsultationMatter, ConsultationRating
from plugins.consultation.statistics import figures, local_today, period_bounds

FAR = "500243101001"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MATTERS = 4000


def generate(session, rng: random.Random, now: dt.datetime) -> tuple[list[dict], list[dict]]:
    """Matters over two years in three villages, each in a consistent state; and ratings."""
    people = {
        code: session.scalars(select(Person.id).where(Person.locality_code == code)).all()
        for code in (VILLAGE, NEIGHBOUR, FAR)
    }
    matters, ratings = [], []
    for n in range(MATTERS):
        code = rng.choice(list(people))
        submitted = now - dt.timedelta(minutes=rng.randint(60, 2 * 365 * 24 * 60))
        triage = rng.choice([None, "major", "minor", "private"])
        state = (
            "submitted"
            if triage is None
            else "closed"
            if triage == "private"
            else rng.choice(["triaged", "in_progress", "resolved", "evaluated", "closed"])
        )
        resolved = None
        if state in ("resolved", "evaluated", "closed") and triage != "private":
            resolved = min(submitted + dt.timedelta(minutes=rng.randint(60, 60 * 24 * 40)), now)
        matters.append(
            {
                "id": n + 1,
                "title": f"事项{n}",
                "description": "d",
                "source": "resident",
                "category_code": "B",
                "item_code": "B02",
                "default_triage": "minor",
                "triage": triage,
                "is_public": True,
                "state": state,
                "handling_level": rng.choice(["village", "town", "county"]),
                "due_at": submitted + dt.timedelta(days=15) if state != "closed" else None,
                "escalation_count": 0,
                "evaluation_round": 1,
                "reopen_count": 0,
                "submitted_at": submitted,
                "resolved_at": resolved,
                "closed_at": submitted + dt.timedelta(hours=5) if triage == "private" else None,
                "resolve_seconds": int((resolved - submitted).total_seconds())
                if resolved
                else None,
                "version": 1,
                "locality_code": code,
            }
        )
        if resolved is not None:
            for person in rng.sample(people[code], min(2, len(people[code]))):
                ratings.append(
                    {
                        "matter_id": n + 1,
                        "round": 1,
                        "person_id": person,
                        "verdict": rng.choice(
                            ["satisfied", "satisfied", "partly", "not_satisfied"]
                        ),
                        "recorded_by": "test",
                        "rated_at": min(resolved + dt.timedelta(hours=rng.randint(1, 200)), now),
                        "locality_code": code,
                    }
                )
    session.execute(insert(ConsultationMatter), matters)
    session.execute(insert(ConsultationRating), ratings)
    return matters, ratings


def recount(matters, ratings, scope: str, start: dt.date, end: dt.date, now: dt.datetime) -> dict:
    low, high = period_bounds(start, end, "Asia/Shanghai")
    inside = [m for m in matters if is_within(m["locality_code"], scope)]
    submitted = [m for m in inside if low <= m["submitted_at"] < high]
    resolved = [m for m in inside if m["resolved_at"] and low <= m["resolved_at"] < high]
    rated = [
        r for r in ratings if is_within(r["locality_code"], scope) and low <= r["rated_at"] < high
    ]
    by_triage: dict[str, int] = {}
    for m in submitted:
        key = m["triage"] or "untriaged"
        by_triage[key] = by_triage.get(key, 0) + 1
    minor = [m for m in resolved if m["triage"] == "minor"]
    major = [m for m in resolved if m["triage"] == "major"]
    satisfied = sum(1 for r in rated if r["verdict"] == "satisfied")
    return {
        "submitted": len(submitted),
        "by_triage": by_triage,
        "resolved": len(resolved),
        "average": sum(m["resolve_seconds"] for m in resolved) / len(resolved) / 86400,
        "minor_rate": sum(1 for m in minor if m["handling_level"] == "village") / len(minor),
        "major_rate": sum(1 for m in major if m["handling_level"] != "county") / len(major),
        "satisfaction": satisfied / len(rated),
        "ratings": len(rated),
        "guided": sum(
            1
            for m in inside
            if m["triage"] == "private" and m["closed_at"] and low <= m["closed_at"] < high
        ),
        "overdue": sum(
            1
            for m in inside
            if m["state"] in ("submitted", "triaged", "in_progress") and m["due_at"] < now
        ),
    }


def test_figures_match_a_recount_over_thousands_of_matters_and_stay_fast(consult):
    rng = random.Random(2026)
    now = utcnow()
    with consult.db.transaction() as session:
        matters, ratings = generate(session, rng, now)
    today = now.astimezone(SHANGHAI).date()
    periods = [(today.replace(month=1, day=1), today), (today - dt.timedelta(days=400), today)]
    with consult.db.transaction() as session:
        selects: list[str] = []

        @event.listens_for(consult.db.engine, "before_cursor_execute")
        def record(_conn, _cursor, statement, *_args):
            selects.append(statement)

        for scope in (COUNTY[0], TOWN, VILLAGE, FAR):
            for start, end in periods:
                selects.clear()
                started = time.perf_counter()
                result = figures(session, scope, start, end, "Asia/Shanghai", now=now)
                elapsed = time.perf_counter() - started
                expected = recount(matters, ratings, scope, start, end, now)
                assert result.submitted == expected["submitted"]
                assert result.by_triage == expected["by_triage"]
                assert result.resolved == expected["resolved"]
                assert abs(result.average_resolve_days - expected["average"]) < 1e-6
                assert abs(result.minor_within_village_rate - expected["minor_rate"]) < 1e-9
                assert abs(result.major_within_town_rate - expected["major_rate"]) < 1e-9
                assert abs(result.satisfaction_rate - expected["satisfaction"]) < 1e-9
                assert result.rating_count == expected["ratings"]
                assert result.guided == expected["guided"]
                assert result.overdue_now == expected["overdue"]
                assert len(selects) <= 8, "figures take a fixed number of grouped queries"
                assert elapsed < 1.0, f"figures for {scope} took {elapsed:.3f}s"
        event.remove(consult.db.engine, "before_cursor_execute", record)
        town = figures(session, TOWN, *periods[1], "Asia/Shanghai", now=now)
        village_rows = {code: (s, r) for code, _, s, r in town.children}
        for code in (VILLAGE, NEIGHBOUR):
            expected = recount(matters, ratings, code, *periods[1], now)
            assert village_rows[code] == (expected["submitted"], expected["resolved"])
        assert sum(s for s, _ in village_rows.values()) == town.submitted


def test_a_period_is_counted_in_local_days(consult):
    """A matter submitted at 23:30 on 31 December in Beijing time belongs to that year."""
    with consult.db.transaction() as session:
        late_evening = dt.datetime(2025, 12, 31, 23, 30, tzinfo=SHANGHAI).astimezone(dt.UTC)
        session.execute(
            insert(ConsultationMatter),
            [
                {
                    "title": "年末的事",
                    "description": "d",
                    "source": "committee",
                    "category_code": "B",
                    "item_code": "B02",
                    "default_triage": "minor",
                    "is_public": True,
                    "state": "submitted",
                    "handling_level": "village",
                    "escalation_count": 0,
                    "evaluation_round": 1,
                    "reopen_count": 0,
                    "submitted_at": late_evening,
                    "version": 1,
                    "locality_code": VILLAGE,
                }
            ],
        )
        old_year = figures(session, VILLAGE, dt.date(2025, 12, 1), dt.date(2025, 12, 31))
        new_year = figures(session, VILLAGE, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
        assert (old_year.submitted, new_year.submitted) == (1, 0)


def test_the_default_period_ends_on_the_deployments_today_not_the_servers():
    """At 01:13 in Beijing it is still the previous day in UTC; "up to today" means Beijing's."""
    moment = dt.datetime(2026, 11, 23, 17, 13, tzinfo=dt.UTC)
    assert local_today("Asia/Shanghai", moment) == dt.date(2026, 11, 24)
    assert local_today("UTC", moment) == dt.date(2026, 11, 23)
    assert local_today("Asia/Shanghai", dt.datetime(2026, 11, 23, 15, 59, tzinfo=dt.UTC)) == (
        dt.date(2026, 11, 23)
    )
