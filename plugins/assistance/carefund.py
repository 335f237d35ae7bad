"""党内关爱资金: contributions in, grants out, and a balance that can never go below zero.

The balance is maintained on the fund's row and changed only by single conditional statements:
a grant is ``UPDATE … SET balance = balance - x WHERE id = … AND balance >= x``, so two grants
racing for the last money cannot both succeed (the row lock serialises them on PostgreSQL; SQLite
has one writer at a time), and a check constraint refuses a negative balance outright. Every
change writes an append-only ledger entry with the balance after it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.localities import level_of
from core.models import Locality
from plugins.assistance.errors import AssistanceError
from plugins.assistance.models import AssistanceApplication, CareFund, CareFundEntry
from plugins.assistance.programmes import PARTY_CARE
from plugins.assistance.rules import money, yuan
from plugins.assistance.standards import lineage

_FUNDS = CareFund.__table__


def fund_for(session: Session, locality_code: str) -> CareFund | None:
    """The care fund covering ``locality_code``: the nearest one at or above it."""
    codes = lineage(locality_code)
    funds = session.scalars(select(CareFund).where(CareFund.locality_code.in_(codes))).all()
    if not funds:
        return None
    return min(funds, key=lambda f: codes.index(f.locality_code))


def open_fund(session: Session, locality_code: str, name: str | None = None) -> CareFund:
    """Set up the care fund of a county (or city); one per locality."""
    place = session.get(Locality, locality_code)
    if place is None:
        raise AssistanceError(f"行政区划不存在：{locality_code}", "locality_code")
    if level_of(locality_code).value not in ("province", "city", "county"):
        raise AssistanceError("党内关爱资金设在县级及以上", "locality_code")
    if session.scalar(select(CareFund.id).where(CareFund.locality_code == locality_code)):
        raise AssistanceError(f"{place.name}已设立党内关爱资金", "locality_code")
    fund = CareFund(
        name=(name or f"{place.name}党内关爱资金").strip()[:100],
        locality_code=locality_code,
        balance=Decimal("0"),
        raised=Decimal("0"),
        granted=Decimal("0"),
    )
    session.add(fund)
    session.flush()
    return fund


def _change(session: Session, fund_id: int, where: Any, **values: Any) -> Decimal | None:
    """Apply one conditional UPDATE to a fund; the new balance, or ``None`` if it did not apply."""
    statement = update(_FUNDS).where(_FUNDS.c.id == fund_id, *where).values(**values)
    balance = session.execute(statement.returning(_FUNDS.c.balance)).scalar_one_or_none()
    fund = session.identity_map.get(session.identity_key(CareFund, fund_id))  # type: ignore[arg-type]
    if fund is not None:
        session.expire(fund, ["balance", "raised", "granted"])
    return balance


def raise_funds(
    session: Session, fund: CareFund, amount: Any, note: str, actor_label: str
) -> CareFundEntry:
    """Record money raised (筹集) for the fund."""
    amount = money(amount)
    if amount <= 0:
        raise AssistanceError("筹集金额必须大于 0", "amount")
    note = (note or "").strip()
    if not note or len(note) > 500 or "\x00" in note:
        raise AssistanceError("请填写资金来源说明（不超过 500 字）", "note")
    balance = _change(
        session,
        fund.id,
        (),
        balance=_FUNDS.c.balance + amount,
        raised=_FUNDS.c.raised + amount,
    )
    assert balance is not None
    entry = CareFundEntry(
        fund_id=fund.id,
        kind="raise",
        amount=amount,
        balance_after=balance,
        note=note,
        locality_code=fund.locality_code,
        created_by=actor_label,
    )
    session.add(entry)
    session.flush()
    return entry


def care_fund_problem(application: AssistanceApplication, session: Session) -> str | None:
    """Why a care-fund grant cannot be paid now (no fund, or not enough money), or ``None``."""
    if application.programme != PARTY_CARE:
        return None
    fund = fund_for(session, application.locality_code)
    if fund is None:
        return "尚未设立覆盖该地的党内关爱资金"
    amount = application.amount or Decimal("0")
    if fund.balance < amount:
        return f"关爱资金余额不足：当前余额 {yuan(fund.balance)}，本次需 {yuan(amount)}"
    return None


def grant_for(
    session: Session, application: AssistanceApplication, actor_label: str
) -> CareFundEntry:
    """Take an approved grant out of the fund, or refuse if the balance does not cover it."""
    fund = fund_for(session, application.locality_code)
    if fund is None:
        raise AssistanceError("尚未设立覆盖该地的党内关爱资金")
    amount = money(application.amount or 0)
    balance = _change(
        session,
        fund.id,
        (_FUNDS.c.balance >= amount,),
        balance=_FUNDS.c.balance - amount,
        granted=_FUNDS.c.granted + amount,
    )
    if balance is None:
        current = session.scalar(select(_FUNDS.c.balance).where(_FUNDS.c.id == fund.id))
        raise AssistanceError(
            f"关爱资金余额不足：当前余额 {yuan(current or 0)}，本次需 {yuan(amount)}，未拨付"
        )
    entry = CareFundEntry(
        fund_id=fund.id,
        kind="grant",
        amount=-amount,
        balance_after=balance,
        grant_application_id=application.id,
        application_id=application.id,
        note=f"资助{application.applicant.name}（申请#{application.id}）",
        locality_code=fund.locality_code,
        created_by=actor_label,
    )
    session.add(entry)
    session.flush()
    return entry


def reverse_grant(
    session: Session, entry: CareFundEntry, reason: str, actor_label: str
) -> CareFundEntry:
    """Return a grant to the fund (冲正) with a reason; the grant entry itself stays."""
    if entry.kind != "grant":
        raise AssistanceError("只能冲正资助记录", "entry")
    reason = (reason or "").strip()
    if not reason or len(reason) > 400:
        raise AssistanceError("请填写冲正理由（不超过 400 字）", "reason")
    if session.scalar(select(CareFundEntry.id).where(CareFundEntry.reverses_entry_id == entry.id)):
        raise AssistanceError(f"台账#{entry.id} 已冲正过", "entry")
    amount = -entry.amount
    balance = _change(
        session,
        entry.fund_id,
        (),
        balance=_FUNDS.c.balance + amount,
        granted=_FUNDS.c.granted - amount,
    )
    assert balance is not None
    reversal = CareFundEntry(
        fund_id=entry.fund_id,
        kind="reversal",
        amount=amount,
        balance_after=balance,
        reverses_entry_id=entry.id,
        application_id=entry.application_id,
        note=f"冲正台账#{entry.id}：{reason}",
        locality_code=entry.locality_code,
        created_by=actor_label,
    )
    session.add(reversal)
    session.flush()
    return reversal
