"""A leaderboard reads its top rows from an index in ranking order, at every level of the tree,
with the names of its holders in a fixed number of statements, and still ranks exactly as
summing the ledger does — for a province, a prefecture, a county, a town, a village and a
村民小组."""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict

import pytest
from points_support import COUNTY, NEIGHBOUR, OTHER_TOWN_VILLAGE, TOWN, VILLAGE
from sqlalchemy import event, select, text

from core.localities import is_within
from core.models import Locality, Organization, Person
from plugins.points.ledger import Holder, accounts_for, load_names, post_transfer, system_key
from plugins.points.models import PointsAccount, PointsTally
from plugins.points.rankings import board_scope, leaderboard, public_name

PROVINCE = "500000000000"
PREFECTURE = "500200000000"
GROUP = "500243001001001"  # 城南社区第一居民小组


def add_places(session) -> None:
    """The province and prefecture above the test county, and a group under its village."""
    session.add_all(
        [
            Locality(code=PROVINCE, name="重庆市", level="province", parent_code=None),
            Locality(code=PREFECTURE, name="重庆市县", level="city", parent_code=PROVINCE),
            Locality(code=GROUP, name="第一居民小组", level="group", parent_code=VILLAGE),
        ]
    )
    session.flush()


def give(session, holder: Holder, code: str, points: int, day: dt.date) -> None:
    """Award (or deduct) ``points`` to a holder living at ``code`` from the village's issuing
    account."""
    village = code[:12]
    accounts = accounts_for(session, [(holder, code)], [("issuing", holder.scheme, village)])
    post_transfer(
        session,
        kind="award" if points > 0 else "deduction",
        scheme=holder.scheme,
        locality_code=village,
        value_date=day,
        memo="测试",
        lines=[
            (accounts[holder.key], points),
            (accounts[system_key("issuing", holder.scheme, village)], -points),
        ],
        actor="test",
    )


def summed(session, locality: str, period: str) -> list[tuple[int, int, int]]:
    """(place, account id, points) by adding up the maintained totals' sources in Python."""
    totals: dict[int, int] = defaultdict(int)
    if period == "all":
        rows = session.execute(
            select(PointsAccount.id, PointsAccount.locality_code, PointsAccount.earned).where(
                PointsAccount.kind == "holder", PointsAccount.scheme == "resident"
            )
        ).all()
    else:
        rows = session.execute(
            select(PointsTally.account_id, PointsTally.locality_code, PointsTally.earned).where(
                PointsTally.period == period, PointsTally.scheme == "resident"
            )
        ).all()
    for account_id, code, earned in rows:
        if is_within(code, locality) and (earned or period != "all"):
            totals[account_id] += earned
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    places: list[tuple[int, int, int]] = []
    for index, (account_id, points) in enumerate(ordered):
        tied = index and points == ordered[index - 1][1]
        places.append((places[-1][0] if tied else index + 1, account_id, points))
    return places


@pytest.fixture
def spread(make_county):
    """Household points in every village of the county and in a group of 城南社区, with ties."""
    county = make_county({"resident_holder": "household", "portal_names": "masked"})
    with county.runtime.db.transaction() as session:
        add_places(session)
        households = {
            session.get(Person, county.people[name]).household_id: code
            for name, code in (
                ("张三", VILLAGE),
                ("王五", VILLAGE),
                ("赵六", GROUP),
                ("孙七", NEIGHBOUR),
                ("周八", OTHER_TOWN_VILLAGE),
            )
        }
        day = dt.date(2026, 3, 1)
        for n, (household_id, code) in enumerate(sorted(households.items())):
            holder = Holder("resident", household_id=household_id)
            give(session, holder, code, 10 + 5 * (n % 3), day)
            give(session, holder, code, 5, dt.date(2026, 4, 2 + n))
        branch = Holder("resident", organization_id=county.branch_id)
        give(session, branch, VILLAGE, 20, day)
    return county


@pytest.mark.parametrize(
    "locality", [PROVINCE, PREFECTURE, COUNTY, TOWN, VILLAGE, NEIGHBOUR, GROUP]
)
@pytest.mark.parametrize("period", ["all", "2026", "2026-04"])
def test_every_level_ranks_as_the_summed_totals_do(spread, locality, period):
    with spread.runtime.db.new_session() as session:
        expected = summed(session, locality, period)
        board = leaderboard(session, "resident", locality, period, limit=50)
        assert [(s.rank, s.account_id, s.points) for s in board] == expected
        for offset in range(1, len(expected)):
            page = leaderboard(session, "resident", locality, period, limit=2, offset=offset)
            assert [(s.rank, s.account_id, s.points) for s in page] == expected[offset:][:2]


def test_holders_on_the_board_carry_the_names_staff_and_the_public_see(spread):
    with spread.runtime.db.new_session() as session:
        board = leaderboard(session, "resident", COUNTY, "all", limit=50)
        accounts = {a.id: a for a in session.scalars(select(PointsAccount))}
        for standing in board:
            account = accounts[standing.account_id]
            assert standing.name == account.holder_name
            assert standing.public_name == public_name(account, masked=True)
            assert standing.locality_code == account.locality_code
        shown = {s.name: s.public_name for s in board}
        assert shown["张三户"] == "张*户"
        assert shown["城南社区党支部"] == "城南社区党支部"  # organisations are never masked


def test_a_board_costs_the_same_few_statements_however_many_households_it_shows(spread):
    engine = spread.runtime.db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        sizes = {}
        for limit in (1, 3, 5):  # April's points went to households only
            with spread.runtime.db.new_session() as session:
                statements.clear()
                board = leaderboard(session, "resident", COUNTY, "2026-04", limit=limit)
                assert len(board) == limit and all(s.name.endswith("户") for s in board)
                sizes[limit] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # the page, the place's settings, the accounts, the households and their members
    assert sizes[1] == sizes[3] == sizes[5] <= 5, sizes


def test_names_loaded_for_many_accounts_stay_loaded(spread):
    engine = spread.runtime.db.engine
    with spread.runtime.db.new_session() as session:
        accounts = session.scalars(
            select(PointsAccount).where(PointsAccount.kind == "holder")
        ).all()
        load_names(session, accounts)
        gc.collect()  # the identity map holds the loaded holders only weakly
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            names = sorted(a.holder_name for a in accounts)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert statements == []
        assert names == sorted(["张三户", "王五户", "赵六户", "孙七户", "周八户", "城南社区党支部"])
        branch = session.get(Organization, spread.branch_id)
        assert branch.name == "城南社区党支部"


def _plan(session, statement) -> str:
    """The backend's plan for ``statement``, as one string."""
    compiled = statement.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
    )
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return "\n".join(str(row[-1]) for row in rows)
    # A test county is a few rows, which PostgreSQL would rather read whole; what matters is
    # that the index matches the query, so the plan may not scan the table or sort.
    session.execute(text("SET LOCAL enable_seqscan = off"))
    session.execute(text("SET LOCAL enable_sort = off"))
    rows = session.execute(text(f"EXPLAIN {compiled}")).all()
    return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize(
    ("locality", "index"),
    [
        (COUNTY, "rank_county"),
        (TOWN, "rank_town"),
        (VILLAGE, "rank_village"),
        (PREFECTURE, "rank"),
    ],
)
@pytest.mark.parametrize("period", ["all", "2026"])
def test_a_board_reads_its_ranking_index_in_order_without_sorting(spread, locality, index, period):
    if period == "all":
        model, board, tie_break = PointsAccount, PointsAccount.kind == "holder", PointsAccount.id
    else:
        model, board, tie_break = PointsTally, PointsTally.period == period, PointsTally.account_id
    statement = (
        select(tie_break, model.earned)
        .where(model.scheme == "resident", board, board_scope(model.locality_code, locality))
        .order_by(model.earned.desc(), tie_break)
        .limit(50)
    )
    with spread.runtime.db.transaction() as session:
        plan = _plan(session, statement)
    assert f"ix_{model.__tablename__}_{index} " in plan + " ", plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
