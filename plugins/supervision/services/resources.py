"""三资 · 资产与资源: contracts with their yearly rent dues, rent payments, overdue rent."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from plugins.supervision.models import (
    CollectiveResource,
    MajorMatter,
    RentDue,
    RentPayment,
    ResourceContract,
    Voucher,
)
from plugins.supervision.models.common import money
from plugins.supervision.services import SupervisionError, now
from plugins.supervision.workflows import DECIDED_MATTER_STATES, actor_label


def rent_schedule(
    start_on: dt.date, end_on: dt.date, annual_rent: Decimal, due_month: int, due_day: int
) -> list[tuple[str, dt.date, Decimal]]:
    """(label, due date, amount) for each calendar year the term touches; the first and last
    years pay for the days of the term that fall in them."""
    schedule = []
    for year in range(start_on.year, end_on.year + 1):
        first = max(start_on, dt.date(year, 1, 1))
        last = min(end_on, dt.date(year, 12, 31))
        days_in_year = 366 if calendar.isleap(year) else 365
        days = (last - first).days + 1
        amount = (annual_rent * days / days_in_year).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        if amount <= 0:
            continue
        day = min(due_day, calendar.monthrange(year, due_month)[1])
        schedule.append((f"{year}年度", dt.date(year, due_month, day), amount))
    return schedule


def create_contract(
    session: Session,
    *,
    resource: CollectiveResource,
    number: str,
    lessee: str,
    start_on: dt.date,
    end_on: dt.date,
    annual_rent: Any,
    due_month: int = 12,
    due_day: int = 31,
    signed_on: dt.date | None = None,
    matter: MajorMatter | None = None,
) -> ResourceContract:
    """A contract letting ``resource``, with its rent dues for every year of the term."""
    if end_on <= start_on:
        raise SupervisionError("终止日期必须晚于起始日期", "end_on")
    if (end_on - start_on).days > 366 * 30:
        raise SupervisionError("承包期限不得超过 30 年", "end_on")
    if matter is not None:
        if matter.locality_code != resource.locality_code:
            raise SupervisionError("关联的四议两公开事项不属于本村", "matter_id")
        if matter.state not in DECIDED_MATTER_STATES:
            raise SupervisionError("关联的发包事项尚未经村民代表会议决议", "matter_id")
    try:
        contract = ResourceContract(
            locality_code=resource.locality_code,
            resource=resource,
            number=number,
            lessee=lessee,
            start_on=start_on,
            end_on=end_on,
            annual_rent=annual_rent,
            due_month=due_month,
            due_day=due_day,
            signed_on=signed_on,
            matter=matter,
        )
    except ValueError as exc:
        raise SupervisionError(str(exc)) from exc
    contract.dues = [
        RentDue(locality_code=resource.locality_code, label=label, due_on=due_on, amount=amount)
        for label, due_on, amount in rent_schedule(
            start_on, end_on, contract.annual_rent, contract.due_month, contract.due_day
        )
    ]
    session.add(contract)
    session.flush()
    return contract


def record_payment(
    session: Session,
    actor: Any,
    due: RentDue,
    amount: Any,
    paid_on: dt.date,
    voucher: Voucher | None = None,
) -> RentPayment:
    """Record a rent payment; it can never exceed what is still owed, even when two clerks
    record payments at once (a conditional UPDATE adds it)."""
    try:
        value = money(amount, "缴款金额")
    except ValueError as exc:
        raise SupervisionError(str(exc), "amount") from exc
    if value <= 0:
        raise SupervisionError("缴款金额必须大于零", "amount")
    if voucher is not None and (
        voucher.locality_code != due.locality_code or voucher.kind != "receipt"
    ):
        raise SupervisionError("收款凭证必须是本村的收入凭证", "voucher_id")
    table = RentDue.__table__
    with session.no_autoflush:
        result = session.execute(
            update(table)
            .where(table.c.id == due.id, table.c.paid_amount + value <= table.c.amount)
            .values(paid_amount=table.c.paid_amount + value, paid_on=paid_on)
        )
    if result.rowcount != 1:
        session.refresh(due)
        raise SupervisionError(f"缴款金额 {value} 元超过尚欠的 {due.outstanding} 元", "amount")
    payment = RentPayment(
        due=due,
        locality_code=due.locality_code,
        amount=value,
        paid_on=paid_on,
        voucher_id=voucher.id if voucher is not None else None,
        recorded_by=actor_label(actor),
        recorded_at=now(session),
    )
    session.add(payment)
    session.flush()
    session.expire(due, ["paid_amount", "paid_on"])
    return payment


def overdue_rents(
    session: Session, scope_code: str, day: dt.date, grace_days: int, limit: int = 500
) -> list[RentDue]:
    """Rent dues under ``scope_code`` unpaid more than ``grace_days`` after their due date."""
    cutoff = day - dt.timedelta(days=grace_days)
    return list(
        session.scalars(
            select(RentDue)
            .where(
                RentDue.scope_clause(scope_code),
                RentDue.due_on < cutoff,
                RentDue.paid_amount < RentDue.amount,
            )
            .order_by(RentDue.due_on, RentDue.locality_code)
            .limit(limit)
        )
    )


def dues_between(
    session: Session, scope_code: str, first: dt.date, last: dt.date, limit: int = 500
) -> list[RentDue]:
    """Unpaid rent falling due between ``first`` and ``last`` (the 应收 list)."""
    return list(
        session.scalars(
            select(RentDue)
            .where(
                RentDue.scope_clause(scope_code),
                RentDue.due_on >= first,
                RentDue.due_on <= last,
                RentDue.paid_amount < RentDue.amount,
            )
            .order_by(RentDue.due_on)
            .limit(limit)
        )
    )
