"""超额积累分红: splitting a collective-economy CNY pool across holders by their points.

Amounts are whole cents that add up exactly to the pool: each holder first gets the floor of
their proportional share, then the cents left over go one each to the largest remainders
(ties broken by account id, so the split is reproducible).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.localities import is_within
from core.models import Locality
from plugins.points import periods
from plugins.points.claims import actor_label, scope_of
from plugins.points.ledger import load_names
from plugins.points.models import PointsAccount, PointsDividend, PointsDividendShare, PointsTally

CENT = Decimal("0.01")


class DividendError(ValueError):
    """A dividend that cannot be computed; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def split_pool(pool: Decimal, weights: Mapping[Any, int]) -> dict[Any, Decimal]:
    """Split ``pool`` yuan over ``weights`` (positive integers) by largest remainder, in cents."""
    if pool != pool.quantize(CENT) or pool <= 0:
        raise DividendError("pool", "分红总额必须是正数，最多两位小数")
    if not weights or any(w <= 0 for w in weights.values()):
        raise DividendError("period", "没有积分为正的持有人，无法分红")
    cents = int(pool * 100)
    total = sum(weights.values())
    base = {key: cents * w // total for key, w in weights.items()}
    remainder = {key: cents * w % total for key, w in weights.items()}
    left = cents - sum(base.values())
    for key in sorted(weights, key=lambda k: (-remainder[k], k))[:left]:
        base[key] += 1
    return {key: (Decimal(c) / 100).quantize(CENT) for key, c in base.items()}


def parse_pool(text: Any) -> Decimal:
    """A pool amount from user input, as an exact Decimal."""
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError) as exc:
        raise DividendError("pool", f"分红总额不是有效的金额：{text}") from exc
    if not value.is_finite():
        raise DividendError("pool", f"分红总额不是有效的金额：{text}")
    return value


def create_dividend(
    session: Session,
    actor: Any,
    *,
    locality_code: str,
    period: str,
    pool: Decimal,
    note: str | None = None,
) -> PointsDividend:
    """Split ``pool`` across the resident holders of a locality by their earned points in
    ``period`` (a year, a month, or ``all``), and keep the split as a dividend record."""
    if not actor.has_permission("points.dividend.manage"):
        raise DividendError("locality_code", "您没有计算分红的权限")
    locality = session.get(Locality, locality_code)
    if locality is None:
        raise DividendError("locality_code", f"行政区划不存在：{locality_code}")
    scope_code = scope_of(actor)
    if scope_code is not None and not is_within(locality_code, scope_code):
        raise DividendError("locality_code", f"{locality.name}不在您的管辖范围内")
    try:
        period = periods.parse_period(period)
    except ValueError as exc:
        raise DividendError("period", str(exc)) from exc
    if period == "all":
        rows = session.execute(
            select(PointsAccount.id, PointsAccount.earned).where(
                PointsAccount.scheme == "resident",
                PointsAccount.kind == "holder",
                PointsAccount.scope_clause(locality_code),
                PointsAccount.earned > 0,
            )
        ).all()
    else:
        rows = session.execute(
            select(PointsTally.account_id, PointsTally.earned).where(
                PointsTally.scheme == "resident",
                PointsTally.period == period,
                PointsTally.scope_clause(locality_code),
                PointsTally.earned > 0,
            )
        ).all()
    weights = {account_id: int(points) for account_id, points in rows}
    amounts = split_pool(pool, weights)
    dividend = PointsDividend(
        scheme="resident",
        period=period,
        locality_code=locality_code,
        pool=pool,
        total_points=sum(weights.values()),
        holders=len(weights),
        note=note,
        created_by=actor_label(actor),
    )
    session.add(dividend)
    session.flush()
    session.add_all(
        PointsDividendShare(
            dividend_id=dividend.id,
            account_id=account_id,
            points=weights[account_id],
            amount=amounts[account_id],
        )
        for account_id in sorted(weights)
    )
    session.flush()
    return dividend


def dividend_rows(session: Session, dividend: PointsDividend) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a dividend's split (for export), largest share first."""
    shares = session.scalars(
        select(PointsDividendShare)
        .where(PointsDividendShare.dividend_id == dividend.id)
        .options(selectinload(PointsDividendShare.account).selectinload(PointsAccount.locality))
        .order_by(PointsDividendShare.amount.desc(), PointsDividendShare.account_id)
    ).all()
    load_names(session, [s.account for s in shares])
    header = ["持有人", "所属村（社区）", "积分", "分红金额（元）"]
    rows: list[list[Any]] = [
        [s.account.holder_name, s.account.locality.name, s.points, s.amount] for s in shares
    ]
    rows.append(["合计", "", dividend.total_points, sum((s.amount for s in shares), Decimal(0))])
    return header, rows
