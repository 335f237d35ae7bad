"""Leaderboards (积分排行), star ratings (评星定级) and yearly snapshots (积德榜).

Every board reads the maintained aggregates — ``PointsAccount.earned`` for all time,
``PointsTally.earned`` for a year or a month — never the ledger, through an index in ranking
order (see :func:`board_scope` and ``plugins.points.models._ranking_indexes``): a county's top
50 reads about 50 index entries whatever the county's size.
Places use competition ranking: equal points share a place (1, 2, 2, 4).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Integer, delete, func, literal_column, select
from sqlalchemy.orm import Session

from core.localities import is_within, scope_prefix, within
from core.models import Household, Locality, Organization, Person
from core.runtime import plugin_settings
from plugins.points import periods
from plugins.points.claims import actor_label, scope_of
from plugins.points.models import (
    RANKED_PREFIXES,
    PointsAccount,
    PointsRankingEntry,
    PointsRankingSnapshot,
    PointsTally,
    household_name,
)
from plugins.points.settings import SCHEMES


class RankingError(ValueError):
    """A ranking request that cannot be answered; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclasses.dataclass(frozen=True)
class Standing:
    """One place on a leaderboard."""

    rank: int
    account_id: int
    name: str
    public_name: str
    locality_code: str
    points: int
    stars: int | None


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the surname's first character stays."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def public_name(account: PointsAccount, masked: bool) -> str:
    """How a holder appears in public: residents masked (if so configured), branches in full."""
    if not masked or account.organization is not None:
        return account.holder_name
    if account.person is not None:
        return mask_name(account.person.name)
    name = account.holder_name
    return mask_name(name[:-1]) + "户" if name.endswith("户") else mask_name(name)


def stars_for(session: Session, scheme: str, points: int) -> int:
    """Stars (0–5) for ``points`` under the deployment's thresholds for ``scheme``."""
    return _stars(plugin_settings(session, "points")["stars"][scheme], points)


def _stars(thresholds: list[int], points: int) -> int:
    return sum(1 for threshold in thresholds if points >= threshold)


def board_scope(column: Any, locality_code: str) -> Any:
    """The condition "at or under ``locality_code``" shaped for the board's ranking index.

    A county's, a town's or a village's board compares the code prefix
    (``substr(locality_code, 1, n)``), the key of its own ranking index, so it reads its top rows
    in order and stops. A province's or a prefecture's board scans the deployment's ranking
    index and keeps the rows under its prefix: it covers most of the deployment, so its top rows
    come early. A group's board (村民小组) holds a few dozen households: it takes the code range
    through the locality index and sorts them.
    """
    prefix = scope_prefix(locality_code)
    if len(prefix) > max(RANKED_PREFIXES):
        return within(column, locality_code)
    # The positions are written into the SQL: an index on an expression serves only a query
    # with the very same expression, never one with bound parameters in their place.
    start, length = literal_column("1", Integer), literal_column(str(len(prefix)), Integer)
    return func.substr(column, start, length) == prefix


def _source(scheme: str, locality_code: str, period: str) -> tuple[Any, Any, Any]:
    if period == "all":
        return (
            PointsAccount.earned,
            PointsAccount.id,
            [
                PointsAccount.scheme == scheme,
                PointsAccount.kind == "holder",
                board_scope(PointsAccount.locality_code, locality_code),
                PointsAccount.earned != 0,
            ],
        )
    return (
        PointsTally.earned,
        PointsTally.account_id,
        [
            PointsTally.scheme == scheme,
            PointsTally.period == period,
            board_scope(PointsTally.locality_code, locality_code),
        ],
    )


def leaderboard(
    session: Session,
    scheme: str,
    locality_code: str,
    period: str,
    limit: int = 10,
    offset: int = 0,
) -> list[Standing]:
    """The top holders of ``scheme`` at or under ``locality_code`` for ``period``
    (``all``, ``2026`` or ``2026-03``)."""
    if scheme not in SCHEMES:
        raise RankingError("scheme", f"积分体系无效：{scheme}（可选 {'、'.join(SCHEMES)}）")
    try:
        period = periods.parse_period(period)
    except ValueError as exc:
        raise RankingError("period", str(exc)) from exc
    points_column, id_column, conditions = _source(scheme, locality_code, period)
    rows = session.execute(
        select(id_column, points_column)
        .where(*conditions)
        .order_by(points_column.desc(), id_column)
        .limit(limit)
        .offset(offset)
    ).all()
    if not rows:
        return []
    # Competition ranking: the first row's place is one more than the holders above it, of
    # which there are none on the first page.
    above = 0
    if offset:
        above = session.scalar(
            select(func.count()).select_from(
                select(id_column).where(*conditions, points_column > rows[0][1]).subquery()
            )
        )
    masked = plugin_settings(session, "points", locality_code)["portal_names"] == "masked"
    names = holder_names(session, [account_id for account_id, _ in rows], masked)
    thresholds = plugin_settings(session, "points")["stars"][scheme]
    with_stars = period == "all" or len(period) == 4
    standings: list[Standing] = []
    rank = above + 1
    for index, (account_id, points) in enumerate(rows):
        if index and points != rows[index - 1][1]:
            rank = offset + index + 1
        name, shown, code = names[account_id]
        standings.append(
            Standing(
                rank=rank,
                account_id=account_id,
                name=name,
                public_name=shown,
                locality_code=code,
                points=int(points),
                stars=_stars(thresholds, int(points)) if with_stars else None,
            )
        )
    return standings


def holder_names(
    session: Session, account_ids: list[int], masked: bool
) -> dict[int, tuple[str, str, str]]:
    """account id → (full name, public name, locality code) for a board's accounts.

    The same names as :attr:`PointsAccount.holder_name` and :func:`public_name`, read as plain
    rows in one statement per kind of holder: a board shows a page of holders and needs their
    names only, not the records behind them.
    """
    accounts = session.execute(
        select(
            PointsAccount.id,
            PointsAccount.person_id,
            PointsAccount.household_id,
            PointsAccount.organization_id,
            PointsAccount.locality_code,
        ).where(PointsAccount.id.in_(account_ids))
    ).all()
    wanted = {"person": set(), "household": set(), "organization": set()}
    for _, person_id, household_id, organization_id, _ in accounts:
        for kind, key in (
            ("person", person_id),
            ("household", household_id),
            ("organization", organization_id),
        ):
            if key is not None:
                wanted[kind].add(key)
    persons: dict[int, str] = {}
    if wanted["person"]:
        persons.update(
            session.execute(
                select(Person.id, Person.name).where(Person.id.in_(wanted["person"]))
            ).all()
        )
    organizations: dict[int, str] = {}
    if wanted["organization"]:
        organizations.update(
            session.execute(
                select(Organization.id, Organization.name).where(
                    Organization.id.in_(wanted["organization"])
                )
            ).all()
        )
    households: dict[int, str] = {}
    if wanted["household"]:
        numbers = dict(
            session.execute(
                select(Household.id, Household.number).where(Household.id.in_(wanted["household"]))
            ).all()
        )
        members: dict[int, list[tuple[str, str | None]]] = {h: [] for h in numbers}
        for household_id, name, relation in session.execute(
            select(Person.household_id, Person.name, Person.relation)
            .where(Person.household_id.in_(numbers))
            .order_by(Person.id)
        ):
            members[household_id].append((name, relation))
        households = {h: household_name(numbers[h], members[h]) for h in numbers}
    names: dict[int, tuple[str, str, str]] = {}
    for account_id, person_id, household_id, organization_id, code in accounts:
        if person_id in persons:
            name = persons[person_id]
            shown = mask_name(name) if masked else name
        elif household_id in households:
            name = households[household_id]
            shown = name
            if masked:
                shown = mask_name(name[:-1]) + "户" if name.endswith("户") else mask_name(name)
        elif organization_id in organizations:
            name = shown = organizations[organization_id]
        else:  # not a holder's account: named after its place
            account = session.get_one(PointsAccount, account_id)
            name = shown = account.holder_name
        names[account_id] = (name, shown, code)
    return names


def create_snapshot(
    session: Session,
    actor: Any,
    *,
    scheme: str,
    locality_code: str,
    year: str,
) -> PointsRankingSnapshot:
    """A draft yearly ranking of a locality (the top ``snapshot_size`` holders)."""
    if not actor.has_permission("points.ranking.publish"):
        raise RankingError("locality_code", "您没有生成年度排行的权限")
    if scheme not in SCHEMES:
        raise RankingError("scheme", f"积分体系无效：{scheme}")
    year = (year or "").strip()
    if len(year) != 4 or not year.isdigit():
        raise RankingError("period", f"年度格式不正确：{year!r}（应为四位年份，如 2025）")
    locality = session.get(Locality, locality_code)
    if locality is None:
        raise RankingError("locality_code", f"行政区划不存在：{locality_code}")
    scope_code = scope_of(actor)
    if scope_code is not None and not is_within(locality_code, scope_code):
        raise RankingError("locality_code", f"{locality.name}不在您的管辖范围内")
    exists = session.scalar(
        select(PointsRankingSnapshot.id).where(
            PointsRankingSnapshot.scheme == scheme,
            PointsRankingSnapshot.locality_code == locality_code,
            PointsRankingSnapshot.period == year,
        )
    )
    if exists is not None:
        raise RankingError("period", f"{locality.name} {year} 年的{SCHEMES[scheme]}排行已存在")
    snapshot = PointsRankingSnapshot(
        scheme=scheme, locality_code=locality_code, period=year, state="draft"
    )
    session.add(snapshot)
    session.flush()
    fill_entries(session, snapshot)
    return snapshot


def fill_entries(session: Session, snapshot: PointsRankingSnapshot) -> None:
    """(Re)compute a draft snapshot's entries from the maintained tallies."""
    if snapshot.state == "published":
        raise RankingError("state", "已公布的排行不能修改")
    session.execute(delete(PointsRankingEntry).where(PointsRankingEntry.snapshot_id == snapshot.id))
    size = plugin_settings(session, "points", snapshot.locality_code)["snapshot_size"]
    standings = leaderboard(
        session, snapshot.scheme, snapshot.locality_code, snapshot.period, limit=size
    )
    session.add_all(
        PointsRankingEntry(
            snapshot_id=snapshot.id,
            account_id=s.account_id,
            rank=s.rank,
            holder_name=s.name,
            points=s.points,
            stars=s.stars or 0,
        )
        for s in standings
    )
    session.flush()
    session.expire(snapshot, ["entries"])


def after_transition(
    snapshot: PointsRankingSnapshot, transition: Any, actor: Any, session: Session, reason: Any
) -> None:
    """Recompute a draft, or freeze it on publication."""
    if transition.name == "refresh":
        fill_entries(session, snapshot)
    elif transition.name == "publish":
        snapshot.published_at = periods.now(session)
        snapshot.published_by = actor_label(actor)
