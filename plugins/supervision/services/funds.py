"""三资 · 资金: making vouchers, booking them exactly once, red-ink reversals and balances."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.events import emit
from core.workflow import WorkflowError
from plugins.supervision.events import VoucherBooked
from plugins.supervision.models import FundAccount, FundPeriod, MajorMatter, Voucher, VoucherLine
from plugins.supervision.models.common import clean_text, committed
from plugins.supervision.models.constants import VOUCHER_KINDS
from plugins.supervision.services import LOCAL_TZ, SupervisionError, now
from plugins.supervision.workflows import LOCKED_VOUCHER_STATES, VOUCHER_WORKFLOW, actor_label

ZERO = Decimal("0")


def period_of(moment: dt.datetime) -> str:
    """The accounting period (YYYY-MM, China time) of a booking made at ``moment``."""
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m")


def build_lines(lines: Iterable[Mapping[str, Any]], *, negative: bool = False) -> list[VoucherLine]:
    """Voucher lines from ``{"subject", "summary", "amount"}`` dicts, each checked.

    Errors name the line: ``第 2 行：明细金额必须是数字``. Ordinary vouchers need positive
    amounts; a red-ink reversal (``negative=True``) has negative ones.
    """
    built = []
    for position, raw in enumerate(lines, start=1):
        try:
            line = VoucherLine(
                position=position,
                subject=raw.get("subject"),
                summary=raw.get("summary"),
                amount=raw.get("amount"),
            )
        except ValueError as exc:
            raise SupervisionError(f"第 {position} 行：{exc}", "lines") from exc
        if (line.amount < 0) != negative:
            raise SupervisionError(f"第 {position} 行：明细金额必须大于零", "lines")
        built.append(line)
    if not built:
        raise SupervisionError("凭证至少要有一条明细", "lines")
    return built


def make_voucher(
    session: Session,
    *,
    account: FundAccount,
    kind: str,
    voucher_date: dt.date,
    summary: str,
    lines: Iterable[Mapping[str, Any]],
    actor: Any,
    matter: MajorMatter | None = None,
) -> Voucher:
    """A new draft voucher of ``account`` made by ``actor``; nothing is written on bad input."""
    if kind not in VOUCHER_KINDS:
        raise SupervisionError(f"凭证类型必须是 {'、'.join(VOUCHER_KINDS)} 之一：{kind}", "kind")
    if matter is not None and matter.locality_code != account.locality_code:
        raise SupervisionError("关联的四议两公开事项不属于本村", "matter_id")
    built = build_lines(lines)
    try:
        voucher = Voucher(
            locality_code=account.locality_code,
            account=account,
            kind=kind,
            voucher_date=voucher_date,
            summary=summary,
            matter=matter,
            made_by=actor_label(actor),
        )
    except ValueError as exc:
        raise SupervisionError(str(exc), "summary") from exc
    voucher.lines = built
    voucher.amount = sum((line.amount for line in built), ZERO)
    session.add(voucher)
    session.flush()
    return voucher


def replace_lines(voucher: Voucher, lines: Iterable[Mapping[str, Any]]) -> None:
    """Replace a draft voucher's lines (and its total)."""
    if voucher.state != "draft":
        raise SupervisionError("只有草稿凭证可以修改明细；已提交的请由审核人退回", "lines")
    built = build_lines(lines, negative=voucher.reverses_id is not None)
    voucher.lines = built
    voucher.amount = sum((line.amount for line in built), ZERO)


def reverse_voucher(session: Session, original: Voucher, actor: Any, reason: str) -> Voucher:
    """A red-ink voucher (红字冲销凭证) cancelling ``original``, as a new draft with a reason.

    The original stays as it was; the reversal goes through submission, audit and booking like
    any voucher, and its booking brings the balance back.
    """
    reason = clean_text(reason, "冲销理由")
    if original.state not in LOCKED_VOUCHER_STATES:
        raise SupervisionError("只有已记账的凭证需要冲销；未记账的凭证请退回修改", "reverses_id")
    if original.reverses_id is not None:
        raise SupervisionError("红字冲销凭证不能再被冲销", "reverses_id")
    existing = session.scalar(select(Voucher).where(Voucher.reverses_id == original.id))
    if existing is not None:
        raise SupervisionError(
            f"该凭证已有冲销凭证（编号 {existing.id}），不能重复冲销", "reverses_id"
        )
    voucher = Voucher(
        locality_code=original.locality_code,
        account_id=original.account_id,
        kind=original.kind,
        voucher_date=now(session).astimezone(LOCAL_TZ).date(),
        summary=f"冲销{original.number}：{reason}"[:200],
        reverses_id=original.id,
        reason=reason,
        made_by=actor_label(actor),
    )
    voucher.lines = [
        VoucherLine(
            position=line.position,
            subject=line.subject,
            summary=f"冲销：{line.summary or line.subject}"[:200],
            amount=-line.amount,
        )
        for line in original.lines
    ]
    voucher.amount = -original.amount
    session.add(voucher)
    session.flush()
    return voucher


def after_voucher_transition(
    voucher: Voucher, transition: Any, actor: Any, session: Session, reason: str | None
) -> None:
    """Record who did each step; booking posts the amount to the account exactly once."""
    label = actor_label(actor)
    moment = now(session)
    if transition.name == "submit":
        voucher.submitted_by, voucher.submitted_at = label, moment
        voucher.audit_opinion = None
    elif transition.name == "audit":
        voucher.audited_by, voucher.audited_at = label, moment
        voucher.audit_opinion = (reason or "").strip()[:200] or "同意"
    elif transition.name == "send_back":
        voucher.audit_opinion = (reason or "").strip()[:200]
        voucher.submitted_by = None
    elif transition.name == "book":
        _book(voucher, label, session, moment)
    elif transition.name == "disclose":
        voucher.disclosed_at = moment


def _book(voucher: Voucher, label: str, session: Session, moment: dt.datetime) -> None:
    """Post the voucher: lock it, add to the balance under a condition, number it, flush.

    On PostgreSQL the voucher row is locked first, so a second booker waits and then finds it
    booked. On both backends the voucher's UPDATE carries ``WHERE state = 'audited'`` (the state
    is the version column) and the balance UPDATE carries ``WHERE balance + delta >= 0``: a
    second booking, or one that would overdraw the account, changes nothing and is refused.
    """
    table = FundAccount.__table__
    delta = voucher.signed_amount
    expected = committed(voucher, "state")  # what this session last read or wrote
    with session.no_autoflush:
        current = session.execute(
            select(Voucher.state).where(Voucher.id == voucher.id).with_for_update()
        ).scalar_one()
        if current != expected:
            raise WorkflowError("该凭证已由他人记账或状态已改变，请刷新后查看")
        row = session.execute(
            update(table)
            .where(table.c.id == voucher.account_id, table.c.balance + delta >= 0)
            .values(balance=table.c.balance + delta, last_seq=table.c.last_seq + 1)
            .returning(table.c.last_seq, table.c.balance)
        ).first()
    if row is None:
        balance = session.scalar(
            select(FundAccount.balance).where(FundAccount.id == voucher.account_id)
        )
        raise WorkflowError(
            f"账户余额不足：当前余额 {balance} 元，本凭证需支出 {-delta} 元，不能记账"
        )
    voucher.seq = row.last_seq
    voucher.period = period_of(moment)
    voucher.booked_by, voucher.booked_at = label, moment
    try:
        session.flush()
    except StaleDataError as exc:
        raise WorkflowError("该凭证已由他人记账或状态已改变，请刷新后查看") from exc
    _add_to_period(session, voucher)
    account = session.get(FundAccount, voucher.account_id)
    if account is not None:
        session.expire(account, ["balance", "last_seq"])
    emit(
        session,
        VoucherBooked(
            locality_code=voucher.locality_code,
            voucher_id=voucher.id,
            account_id=voucher.account_id,
            kind=voucher.kind,
            amount=str(delta),
            period=voucher.period,
            reverses_id=voucher.reverses_id,
        ),
    )


def _add_to_period(session: Session, voucher: Voucher) -> None:
    """Add the voucher to its account's totals for the period (one upsert)."""
    table = FundPeriod.__table__
    receipts = voucher.amount if voucher.kind == "receipt" else ZERO
    payments = voucher.amount if voucher.kind == "payment" else ZERO
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(
        account_id=voucher.account_id,
        period=voucher.period,
        receipts=receipts,
        payments=payments,
        vouchers=1,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.account_id, table.c.period],
        set_={
            "receipts": table.c.receipts + statement.excluded.receipts,
            "payments": table.c.payments + statement.excluded.payments,
            "vouchers": table.c.vouchers + 1,
        },
    )
    with session.no_autoflush:
        session.execute(statement)


@dataclasses.dataclass(frozen=True)
class Statement:
    """An account's figures for a range of periods: opening, receipts, payments, closing."""

    account: FundAccount
    first: str
    last: str
    opening: Decimal
    receipts: Decimal
    payments: Decimal
    vouchers: int

    @property
    def closing(self) -> Decimal:
        """The balance at the end of the last period."""
        return self.opening + self.receipts - self.payments


def statement(session: Session, account: FundAccount, first: str, last: str) -> Statement:
    """The account's figures from period ``first`` to ``last`` (YYYY-MM), from the maintained
    per-period totals (a handful of rows per year, never the vouchers)."""
    return statements_of(session, [account], first, last)[account.id]


def statements_of(
    session: Session, accounts: Iterable[FundAccount], first: str, last: str
) -> dict[int, Statement]:
    """:func:`statement` for several accounts at once, in one query."""
    accounts = list(accounts)
    totals = {a.id: [a.opening_balance, ZERO, ZERO, 0] for a in accounts}
    rows = session.execute(
        select(
            FundPeriod.account_id,
            FundPeriod.period,
            FundPeriod.receipts,
            FundPeriod.payments,
            FundPeriod.vouchers,
        ).where(FundPeriod.account_id.in_(list(totals)), FundPeriod.period <= last)
    ).all()
    for account_id, period, received, paid, count in rows:
        figures = totals[account_id]
        if period < first:
            figures[0] += received - paid
        else:
            figures[1] += received
            figures[2] += paid
            figures[3] += count
    return {
        a.id: Statement(a, first, last, *totals[a.id])  # type: ignore[arg-type]
        for a in accounts
    }


def balance_check(session: Session, account: FundAccount) -> tuple[Decimal, Decimal]:
    """(maintained balance, balance recomputed from the booked vouchers): they must agree.

    Used by ``gongzhi supervision verify-balances`` and the tests; it sums the ledger on purpose.
    """
    booked = session.scalar(
        select(func.coalesce(func.sum(Voucher.amount), 0)).where(
            Voucher.account_id == account.id,
            Voucher.kind == "receipt",
            Voucher.state.in_(LOCKED_VOUCHER_STATES),
        )
    ) - session.scalar(
        select(func.coalesce(func.sum(Voucher.amount), 0)).where(
            Voucher.account_id == account.id,
            Voucher.kind == "payment",
            Voucher.state.in_(LOCKED_VOUCHER_STATES),
        )
    )
    session.refresh(account)
    return account.balance, account.opening_balance + Decimal(booked)


def apply(voucher: Voucher, name: str, actor: Any, session: Session, reason: str | None = None):
    """Apply workflow transition ``name`` to ``voucher`` (a shorthand for the callers)."""
    return VOUCHER_WORKFLOW.apply(voucher, name, actor, session, reason=reason)
