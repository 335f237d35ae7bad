"""Leaderboards (积分排行), star ratings (评星定级) and yearly snapshots (积德榜).

Every board reads the maintained aggregates — ``PointsAccount.earned`` for all time,
``PointsTally.earned`` for a year or a month — through an index on (scheme, period, locality
code), never the ledger.
Places use competition ranking: equal points share a place (1, 2, 2, 4).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.localities import is_within
from core.models import Locality
from core.runtime import plugin_settings
from plugins.points import periods
from plugins.points.claims import actor_label, scope_of
from plugins.points.ledger import load_names
from plugins.points.models import (
    PointsAccount,
    PointsRankingEntry,
    PointsRankingSnapshot,
    PointsTally,
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
    thresholds = plugin_settings(session, "points")["stars"][scheme]
    return sum(1 for threshold in thresholds if points >= threshold)


def _source(scheme: str, locality_code: str, period: str) -> tuple[Any, Any, Any]:
    if period == "all":
        return (
            PointsAccount.earned,
            PointsAccount.id,
            [
                PointsAccount.scheme == scheme,
                PointsAccount.kind == "holder",
                PointsAccount.scope_clause(locality_code),
                PointsAccount.earned != 0,
            ],
        )
    return (
        PointsTally.earned,
        PointsTally.account_id,
        [
            PointsTally.scheme == scheme,
            PointsTally.period == period,
            PointsTally.scope_clause(locality_code),
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
    first_points = rows[0][1]
    above = session.scalar(
        select(func.count()).select_from(
            select(id_column).where(*conditions, points_column > first_points).subquery()
        )
    )
    accounts = {
        a.id: a
        for a in session.scalars(
            select(PointsAccount).where(PointsAccount.id.in_([r[0] for r in rows]))
        )
    }
    load_names(session, list(accounts.values()))
    masked = plugin_settings(session, "points", locality_code)["portal_names"] == "masked"
    with_stars = period == "all" or len(period) == 4
    standings: list[Standing] = []
    rank = (above or 0) + 1
    for index, (account_id, points) in enumerate(rows):
        if index and points != rows[index - 1][1]:
            rank = offset + index + 1
        account = accounts[account_id]
        standings.append(
            Standing(
                rank=rank,
                account_id=account_id,
                name=account.holder_name,
                public_name=public_name(account, masked),
                locality_code=account.locality_code,
                points=int(points),
                stars=stars_for(session, scheme, int(points)) if with_stars else None,
            )
        )
    return standings


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
