"""What residents see on the public portal: 积德榜 (the published yearly board), the live
leaderboards (村民积分 and 双指数), the love supermarket's catalogue, and claims under public
notice. Names of residents are masked (张*) unless the deployment shows them in full; identity
numbers and phones never appear."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from core.models import Locality
from core.portal import PortalSection, PublicNotice
from core.runtime import plugin_settings
from plugins.points import periods, rankings
from plugins.points.models import (
    PointsClaim,
    PointsMerchant,
    PointsProduct,
    PointsRankingSnapshot,
)
from plugins.points.rules import chain
from plugins.points.supermarket import contract_in_force

CATALOGUE_SIZE = 30
NOTICE_NAMES = 8


def sections(locality: Locality, session: Session) -> list[PortalSection]:
    """The points plugin's sections of a locality's page (only those with something to show)."""
    settings = plugin_settings(session, "points", locality.code)
    masked = settings["portal_names"] == "masked"
    size = settings["portal_board_size"]
    found: list[PortalSection] = []

    board = session.scalar(
        select(PointsRankingSnapshot)
        .where(
            PointsRankingSnapshot.locality_code == locality.code,
            PointsRankingSnapshot.scheme == "resident",
            PointsRankingSnapshot.state == "published",
        )
        .order_by(PointsRankingSnapshot.period.desc())
        .options(selectinload(PointsRankingSnapshot.entries))
    )
    if board is not None:
        entries = [
            {
                "rank": e.rank,
                "name": _public(e.holder_name, masked),
                "points": e.points,
                "stars": e.stars,
            }
            for e in board.entries[:size]
        ]
        found.append(
            PortalSection(
                f"积德榜（{board.period} 年度）", "points/board.html", {"entries": entries}, 40
            )
        )

    year = periods.year_key(periods.today(session))
    boards = []
    for scheme, title in (
        ("resident", "村民积分"),
        ("pioneer", "党员先锋指数"),
        ("bastion", "党支部堡垒指数"),
    ):
        standings = rankings.leaderboard(session, scheme, locality.code, year, limit=size)
        if standings:
            boards.append({"title": title, "standings": standings, "masked": masked})
    if boards:
        found.append(
            PortalSection(f"{year} 年积分排行", "points/leaderboards.html", {"boards": boards}, 41)
        )

    products = catalogue(session, locality)
    if products:
        found.append(PortalSection("爱心超市", "points/catalogue.html", {"products": products}, 60))
    return found


def _public(name: str, masked: bool) -> str:
    if not masked or "党支部" in name or "委员会" in name:
        return name
    if name.endswith("户"):
        return rankings.mask_name(name[:-1]) + "户"
    return rankings.mask_name(name)


def catalogue(session: Session, locality: Locality) -> list[PointsProduct]:
    """Products on sale to a locality's residents: a village's page shows its town's partner
    merchants (the supermarket serves the town), a town's or county's page those under it, and
    merchants registered above the locality too; active contracts only."""
    places = chain(locality.code, session.info["runtime"].config.locality_code)
    area = (
        locality.code[:9] + "000"
        if len(locality.code) >= 12
        and locality.level
        in (
            "village",
            "group",
        )
        else locality.code
    )
    products = session.scalars(
        select(PointsProduct)
        .join(PointsMerchant, PointsMerchant.id == PointsProduct.merchant_id)
        .where(
            PointsProduct.active.is_(True),
            PointsProduct.stock > 0,
            PointsMerchant.contract_active.is_(True),
            or_(PointsProduct.scope_clause(area), PointsProduct.locality_code.in_(places)),
        )
        .options(selectinload(PointsProduct.merchant))
        .order_by(PointsProduct.points_price, PointsProduct.id)
        .limit(CATALOGUE_SIZE * 2)
    ).all()
    today = periods.today(session)
    return [p for p in products if contract_in_force(p.merchant, today)][:CATALOGUE_SIZE]


def notices(locality: Locality, session: Session) -> list[PublicNotice]:
    """Claims under public notice at or under the locality, names masked."""
    claims = session.scalars(
        select(PointsClaim)
        .where(PointsClaim.scope_clause(locality.code), PointsClaim.state == "notice")
        .options(
            selectinload(PointsClaim.persons),
            selectinload(PointsClaim.branches),
            selectinload(PointsClaim.rule),
        )
        .order_by(PointsClaim.id.desc())
        .limit(20)
    ).all()
    result = []
    for claim in claims:
        names = [rankings.mask_name(p.name) for p in claim.persons] + [
            b.name for b in claim.branches
        ]
        shown = "、".join(names[:NOTICE_NAMES]) + (
            f" 等 {len(names)} 人" if len(names) > NOTICE_NAMES else ""
        )
        sign = "+" if claim.points > 0 else ""
        result.append(
            PublicNotice(
                title=f"积分公示：{claim.rule.name}",
                category="积分公示",
                locality_code=claim.locality_code,
                published_at=claim.created_at,
                summary=(
                    f"{claim.activity}（{claim.occurred_on}）：{shown}，"
                    f"每人 {sign}{claim.points} 分。"
                    "如有异议，请在公示期内向村（社区）提出。"
                ),
                ends_on=claim.notice_ends_on,
            )
        )
    return result
