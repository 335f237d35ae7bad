"""Leaderboards match a brute-force recomputation from the ledger; star ratings; snapshots freeze
when published; dividends split a pool in cents that add up exactly."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from points_support import COUNTY, NEIGHBOUR, OTHER_TOWN_VILLAGE, TOWN, VILLAGE
from sqlalchemy import select

from core.localities import is_within
from core.workflow import WorkflowError
from plugins.points.dividends import DividendError, create_dividend, split_pool
from plugins.points.ledger import Holder, accounts_for, post_transfer, system_key
from plugins.points.models import PointsAccount, PointsMovement, PointsTransfer
from plugins.points.rankings import (
    RankingError,
    create_snapshot,
    leaderboard,
    mask_name,
    stars_for,
)
from plugins.points.workflow import RANKING_WORKFLOW

HOMES = {
    "张三": VILLAGE,
    "李梅": VILLAGE,
    "王五": VILLAGE,
    "赵六": VILLAGE,
    "赵小六": VILLAGE,
    "孙七": NEIGHBOUR,
    "周八": OTHER_TOWN_VILLAGE,
}


def award(county, session, name, points, day):
    code = HOMES[name]
    holder = Holder("resident", person_id=county.people[name])
    accounts = accounts_for(session, [(holder, code)], [("issuing", "resident", code)])
    post_transfer(
        session,
        kind="award" if points > 0 else "deduction",
        scheme="resident",
        locality_code=code,
        value_date=day,
        memo="测试",
        lines=[
            (accounts[holder.key], points),
            (accounts[system_key("issuing", "resident", code)], -points),
        ],
        actor="test",
    )


def brute_force(session, locality, period):
    """Rank by summing the ledger itself (what the maintained aggregates must agree with)."""
    totals = defaultdict(int)
    rows = session.execute(
        select(
            PointsMovement.account_id,
            PointsMovement.amount,
            PointsTransfer.value_date,
            PointsTransfer.kind,
            PointsAccount.locality_code,
            PointsAccount.kind,
        )
        .join(PointsTransfer, PointsTransfer.id == PointsMovement.transfer_id)
        .join(PointsAccount, PointsAccount.id == PointsMovement.account_id)
    ).all()
    for account_id, amount, day, kind, code, account_kind in rows:
        if account_kind != "holder" or kind not in ("award", "deduction", "reversal"):
            continue
        if not is_within(code, locality):
            continue
        key = f"{day.year:04d}" if len(period) == 4 else f"{day.year:04d}-{day.month:02d}"
        if period != "all" and key != period:
            continue
        totals[account_id] += amount
    if period == "all":
        totals = {a: p for a, p in totals.items() if p != 0}
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    ranks = []
    for index, (account_id, points) in enumerate(ordered):
        rank = ranks[-1][0] if index and points == ordered[index - 1][1] else index + 1
        ranks.append((rank, account_id, points))
    return ranks


def test_leaderboards_agree_with_a_brute_force_recomputation(county):
    rng = random.Random(7)
    with county.runtime.db.transaction() as session:
        for _ in range(120):
            name = rng.choice(list(HOMES))
            points = rng.choice([2, 3, 5, 5, 10, -5])
            day = dt.date(rng.choice([2025, 2026]), rng.randint(1, 12), rng.randint(1, 28))
            award(county, session, name, points, day)
    with county.runtime.db.new_session() as session:
        for locality in (VILLAGE, TOWN, COUNTY, NEIGHBOUR):
            for period in ("all", "2025", "2026", "2025-03", "2026-11"):
                expected = brute_force(session, locality, period)
                board = leaderboard(session, "resident", locality, period, limit=100)
                got = [(s.rank, s.account_id, s.points) for s in board]
                assert got == [e for e in expected if e[2] != 0 or period != "all"][: len(got)]
                assert len(got) == len(expected)
                paged = leaderboard(session, "resident", locality, period, limit=2, offset=2)
                assert [(s.rank, s.account_id, s.points) for s in paged] == expected[2:4]


def test_equal_points_share_a_place_and_names_are_masked_in_public(county):
    with county.runtime.db.transaction() as session:
        for name, points in (("张三", 10), ("李梅", 10), ("王五", 5)):
            award(county, session, name, points, dt.date(2026, 3, 1))
    with county.runtime.db.new_session() as session:
        board = leaderboard(session, "resident", VILLAGE, "2026")
        assert [(s.rank, s.name, s.public_name, s.points) for s in board] == [
            (1, "张三", "张*", 10),
            (1, "李梅", "李*", 10),
            (3, "王五", "王*", 5),
        ]
        assert [s.stars for s in board] == [1, 1, 0]  # one star from 10 points
        assert leaderboard(session, "resident", VILLAGE, "2026-03")[0].stars is None


def test_bad_leaderboard_requests_name_the_field(county):
    with county.runtime.db.new_session() as session:
        with pytest.raises(RankingError, match="期间格式不正确") as caught:
            leaderboard(session, "resident", VILLAGE, "2026/03")
        assert caught.value.field == "period"
        with pytest.raises(RankingError, match="积分体系无效"):
            leaderboard(session, "gold", VILLAGE, "all")


def test_star_ratings_follow_the_configured_thresholds(make_county):
    county = make_county({"stars": {"resident": [10, 20, 30, 40, 50]}})
    with county.runtime.db.new_session() as session:
        assert [stars_for(session, "resident", p) for p in (0, 9, 10, 35, 50, 999)] == [
            0,
            0,
            1,
            3,
            5,
            5,
        ]
        assert stars_for(session, "bastion", 60) == 3  # the default bastion thresholds


def test_a_published_yearly_snapshot_is_frozen(county):
    with county.runtime.db.transaction() as session:
        award(county, session, "张三", 30, dt.date(2025, 5, 1))
        award(county, session, "李梅", 20, dt.date(2025, 6, 1))
        village = county.principal(session, "village")
        snapshot = create_snapshot(
            session, village, scheme="resident", locality_code=VILLAGE, year="2025"
        )
        assert [(e.rank, e.holder_name, e.points, e.stars) for e in snapshot.entries] == [
            (1, "张三", 30, 2),
            (2, "李梅", 20, 2),
        ]
        award(county, session, "李梅", 20, dt.date(2025, 7, 1))
        RANKING_WORKFLOW.apply(snapshot, "refresh", village, session)
        assert [e.holder_name for e in snapshot.entries] == ["李梅", "张三"]
        RANKING_WORKFLOW.apply(snapshot, "publish", village, session)
        award(county, session, "张三", 50, dt.date(2025, 8, 1))
        with pytest.raises(WorkflowError):
            RANKING_WORKFLOW.apply(snapshot, "refresh", village, session)
        assert [(e.holder_name, e.points) for e in snapshot.entries] == [("李梅", 40), ("张三", 30)]
        with pytest.raises(RankingError, match="排行已存在"):
            create_snapshot(session, village, scheme="resident", locality_code=VILLAGE, year="2025")


@given(
    pool_cents=st.integers(1, 10**9),
    weights=st.lists(st.integers(1, 10**6), min_size=1, max_size=60),
)
def test_a_dividend_split_adds_up_exactly_to_the_pool(pool_cents, weights):
    pool = Decimal(pool_cents) / 100
    shares = split_pool(pool, dict(enumerate(weights)))
    assert sum(shares.values()) == pool
    total = sum(weights)
    for key, weight in enumerate(weights):
        exact = pool * weight / total
        assert abs(shares[key] - exact) < Decimal("0.01")
    assert split_pool(pool, dict(enumerate(weights))) == shares


def test_a_dividend_splits_a_village_pool_by_the_years_points(county):
    with county.runtime.db.transaction() as session:
        award(county, session, "张三", 30, dt.date(2025, 5, 1))
        award(county, session, "李梅", 30, dt.date(2025, 6, 1))
        award(county, session, "王五", 30, dt.date(2025, 6, 1))
        award(county, session, "孙七", 99, dt.date(2025, 6, 1))  # another village
        village = county.principal(session, "village")
        dividend = create_dividend(
            session, village, locality_code=VILLAGE, period="2025", pool=Decimal("100.00")
        )
        amounts = sorted(s.amount for s in dividend.shares)
        assert amounts == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
        assert (dividend.total_points, dividend.holders) == (90, 3)
        with pytest.raises(DividendError, match="没有积分为正的持有人"):
            create_dividend(
                session, village, locality_code=VILLAGE, period="2024", pool=Decimal("10")
            )
        with pytest.raises(DividendError, match="最多两位小数"):
            create_dividend(
                session, village, locality_code=VILLAGE, period="2025", pool=Decimal("10.001")
            )
        with pytest.raises(DividendError, match="不在您的管辖范围内"):
            create_dividend(
                session, village, locality_code=NEIGHBOUR, period="2025", pool=Decimal("10")
            )


def test_mask_name_keeps_only_the_first_character():
    assert [mask_name(n) for n in ("张三", "欧阳娜娜", "李", "")] == ["张*", "欧***", "李*", ""]
