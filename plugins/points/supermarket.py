"""爱心超市: reserving goods for points, handing them over, cancelling, and settling with merchants.

A redemption takes the stock with ``UPDATE … SET stock = stock - q WHERE stock >= q`` and the
points with a conditional debit that may not go below zero; if either matches no row the whole
redemption is refused and rolled back, so no request — however many run at once — can oversell
a product or overspend a balance.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from core.localities import is_within
from plugins.points import periods
from plugins.points.claims import actor_label, scope_of
from plugins.points.ledger import (
    LedgerError,
    accounts_for,
    issuing_locality,
    post_transfer,
    reverse_transfer,
    system_key,
)
from plugins.points.models import (
    PointsAccount,
    PointsMerchant,
    PointsProduct,
    PointsRedemption,
    PointsSettlement,
)

MAX_QUANTITY = 99


class SupermarketError(ValueError):
    """A redemption or settlement that cannot happen; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class OutOfStock(SupermarketError):
    """Not enough stock left for the quantity asked."""


def contract_in_force(merchant: PointsMerchant, day: dt.date) -> bool:
    """Whether the merchant's partnership is active on ``day``."""
    return (
        merchant.contract_active
        and (merchant.contract_start is None or merchant.contract_start <= day)
        and (merchant.contract_end is None or day <= merchant.contract_end)
    )


def reserve(
    session: Session,
    actor: Any,
    *,
    account: PointsAccount,
    product_id: int,
    quantity: int,
    on: dt.date | None = None,
) -> PointsRedemption:
    """Reserve ``quantity`` of a product for a resident holder account, paying in points.

    Raises :class:`SupermarketError` (:class:`OutOfStock`) or
    :class:`~plugins.points.ledger.InsufficientPoints`; the caller's transaction must then be
    rolled back (the redemption, the stock and the points all go back together). ``on`` is the
    value date (default today; the demo records a past year with it)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 99:
        raise SupermarketError("quantity", f"数量必须是 1 到 {MAX_QUANTITY} 的整数")
    if account.kind != "holder" or account.scheme != "resident":
        raise SupermarketError("account_id", "只有村民积分账户可以在爱心超市兑换")
    scope_code = scope_of(actor)
    if scope_code is not None and not is_within(account.locality_code, scope_code):
        raise SupermarketError("account_id", "该积分账户不在您的管辖范围内")
    product = session.scalar(
        select(PointsProduct)
        .where(PointsProduct.id == product_id)
        .options(selectinload(PointsProduct.merchant))
    )
    if product is None:
        raise SupermarketError("product_id", f"商品 #{product_id} 不存在")
    today = on or periods.today(session)
    if not product.active:
        raise SupermarketError("product_id", f"{product.name}已下架")
    if not contract_in_force(product.merchant, today):
        raise SupermarketError("product_id", f"{product.merchant.name}的爱心商户协议未生效或已到期")
    points = product.points_price * quantity
    village = issuing_locality(account.locality_code)
    sink = accounts_for(session, [], [("redeemed", "resident", village)])
    redeemed = sink[system_key("redeemed", "resident", village)]
    redemption = PointsRedemption(
        account_id=account.id,
        product_id=product.id,
        merchant_id=product.merchant_id,
        quantity=quantity,
        points=points,
        cost_amount=(product.cost_price * quantity).quantize(Decimal("0.01")),
        state="reserved",
        locality_code=account.locality_code,
        created_by=actor_label(actor),
    )
    session.add(redemption)
    session.flush()  # the audit chain's lock first, then the hot rows
    taken = session.execute(
        update(PointsProduct.__table__)
        .where(
            PointsProduct.__table__.c.id == product.id, PointsProduct.__table__.c.stock >= quantity
        )
        .values(stock=PointsProduct.__table__.c.stock - quantity)
    )
    if taken.rowcount != 1:
        session.refresh(product, ["stock"])
        raise OutOfStock("quantity", f"库存不足：{product.name}仅剩 {product.stock} {product.unit}")
    session.expire(product, ["stock"])
    transfer = post_transfer(
        session,
        kind="redemption",
        scheme="resident",
        locality_code=account.locality_code,
        value_date=today,
        memo=f"爱心超市兑换 #{redemption.id}：{product.name}×{quantity}",
        lines=[(account, -points), (redeemed, points)],
        actor=actor_label(actor),
        spend_from_positive=frozenset({account.id}),
    )
    redemption.transfer_id = transfer.id
    return redemption


def after_transition(
    redemption: PointsRedemption, transition: Any, actor: Any, session: Session, reason: Any
) -> None:
    """Stamp fulfilment and settlement; a cancellation reverses the points and restores stock."""
    now = periods.now(session)
    if transition.name == "fulfil":
        redemption.fulfilled_at = now
    elif transition.name == "settle":
        redemption.settled_at = now
    elif transition.name == "cancel":
        original = redemption.transfer
        try:
            reversal = reverse_transfer(
                session, original, reason, actor_label(actor), kind="cancellation"
            )
        except LedgerError as exc:
            raise SupermarketError("state", str(exc)) from exc
        table = PointsProduct.__table__
        session.execute(
            update(table)
            .where(table.c.id == redemption.product_id)
            .values(stock=table.c.stock + redemption.quantity)
        )
        redemption.reversal_id = reversal.id
        redemption.reason = reason
        redemption.cancelled_at = now


# --- settlements ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReportLine:
    """One product's line in a merchant's settlement report."""

    product: str
    unit: str
    quantity: int
    points: int
    cost_price: Decimal
    amount: Decimal


def _utc_bounds(session: Session, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = periods.timezone(session)
    low = dt.datetime.combine(start, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return low, high.astimezone(dt.UTC)


def report_lines(
    session: Session,
    merchant_id: int,
    start: dt.date,
    end: dt.date,
    *,
    settlement_id: int | None = None,
) -> list[ReportLine]:
    """What the merchant handed over in the period, by product, at cost price.

    With ``settlement_id``: the redemptions of that settlement; otherwise those fulfilled (not
    yet settled) in the period."""
    statement = (
        select(
            PointsProduct.name,
            PointsProduct.unit,
            PointsProduct.cost_price,
            func.sum(PointsRedemption.quantity),
            func.sum(PointsRedemption.points),
            func.sum(PointsRedemption.cost_amount),
        )
        .join(PointsProduct, PointsProduct.id == PointsRedemption.product_id)
        .where(PointsRedemption.merchant_id == merchant_id)
        .group_by(
            PointsProduct.id, PointsProduct.name, PointsProduct.unit, PointsProduct.cost_price
        )
        .order_by(PointsProduct.name)
    )
    if settlement_id is not None:
        statement = statement.where(PointsRedemption.settlement_id == settlement_id)
    else:
        low, high = _utc_bounds(session, start, end)
        statement = statement.where(
            PointsRedemption.state == "fulfilled",
            PointsRedemption.fulfilled_at >= low,
            PointsRedemption.fulfilled_at < high,
        )
    return [
        ReportLine(name, unit, int(q), int(p), Decimal(price), Decimal(amount))
        for name, unit, price, q, p, amount in session.execute(statement)
    ]


def settle(
    session: Session,
    actor: Any,
    merchant_id: int,
    start: dt.date,
    end: dt.date,
) -> PointsSettlement:
    """Settle a merchant's fulfilled redemptions of a period: one settlement record with the CNY
    owed at cost price; the redemptions move to 已结算 together (or not at all)."""
    if not actor.has_permission("points.settlement.manage"):
        raise SupermarketError("merchant_id", "您没有结算的权限")
    merchant = session.get(PointsMerchant, merchant_id)
    scope_code = scope_of(actor)
    if merchant is None or (scope_code and not is_within(merchant.locality_code, scope_code)):
        raise SupermarketError("merchant_id", f"商户 #{merchant_id} 不存在或不在您的管辖范围内")
    if end < start:
        raise SupermarketError("period_end", "结束日期不能早于开始日期")
    if end >= periods.today(session):
        raise SupermarketError("period_end", "只能结算已经结束的期间（结束日期须早于今天）")
    low, high = _utc_bounds(session, start, end)
    ids = list(
        session.scalars(
            select(PointsRedemption.id).where(
                PointsRedemption.merchant_id == merchant_id,
                PointsRedemption.state == "fulfilled",
                PointsRedemption.fulfilled_at >= low,
                PointsRedemption.fulfilled_at < high,
            )
        )
    )
    if not ids:
        raise SupermarketError("period_start", f"{merchant.name}在该期间没有待结算的兑换")
    totals = session.execute(
        select(func.sum(PointsRedemption.points), func.sum(PointsRedemption.cost_amount)).where(
            PointsRedemption.id.in_(ids)
        )
    ).one()
    settlement = PointsSettlement(
        merchant_id=merchant_id,
        locality_code=merchant.locality_code,
        period_start=start,
        period_end=end,
        redemptions=len(ids),
        points=int(totals[0]),
        amount=Decimal(totals[1]).quantize(Decimal("0.01")),
        created_by=actor_label(actor),
    )
    session.add(settlement)
    session.flush()
    now = periods.now(session)
    moved = 0
    for start_index in range(0, len(ids), 500):
        chunk = ids[start_index : start_index + 500]
        table = PointsRedemption.__table__
        result = session.execute(
            update(table)
            .where(table.c.id.in_(chunk), table.c.state == "fulfilled")
            .values(state="settled", settlement_id=settlement.id, settled_at=now)
        )
        moved += result.rowcount
    if moved != len(ids):
        raise SupermarketError("period_start", "有兑换记录正被他人结算，请刷新后重试")
    return settlement


def settlement_rows(
    session: Session, settlement: PointsSettlement
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a settlement's report (for CSV/XLSX export)."""
    lines = report_lines(
        session,
        settlement.merchant_id,
        settlement.period_start,
        settlement.period_end,
        settlement_id=settlement.id,
    )
    header = ["商品", "单位", "数量", "积分", "成本单价（元）", "应付金额（元）"]
    rows: list[list[Any]] = [
        [line.product, line.unit, line.quantity, line.points, line.cost_price, line.amount]
        for line in lines
    ]
    rows.append(
        [
            "合计",
            "",
            sum(line.quantity for line in lines),
            sum(line.points for line in lines),
            "",
            sum((line.amount for line in lines), Decimal("0.00")),
        ]
    )
    return header, rows


def settlement_title(settlement: PointsSettlement) -> list[list[Any]]:
    """Leading lines of an exported settlement: who, which period, how much."""
    return [
        ["爱心超市商户结算单"],
        ["商户", settlement.merchant.name],
        ["结算期间", f"{settlement.period_start} 至 {settlement.period_end}"],
        ["兑换笔数", settlement.redemptions],
        ["应付金额（元，按成本价）", settlement.amount],
    ]
