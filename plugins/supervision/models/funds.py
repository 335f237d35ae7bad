"""资金: the village's fund accounts, their vouchers (收支凭证) and per-period totals.

A voucher is made, submitted, audited by someone other than its maker (先审核再记账), booked by
the township's entrusted accountant (会计委托代理) and disclosed. A booked voucher is never
edited: a correction is a red-ink reversing voucher (红字冲销凭证) with a reason, which goes
through the same steps. Balances are maintained when vouchers are booked, never recomputed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db import Base, UTCDateTime, utcnow
from core.models.scoped import LocalityScoped
from plugins.supervision.models.common import (
    LockedRecordError,
    changed_attributes,
    clean_text,
    committed,
    money,
)
from plugins.supervision.models.constants import VOUCHER_KINDS
from plugins.supervision.workflows import LOCKED_VOUCHER_STATES, VOUCHER_WORKFLOW

if TYPE_CHECKING:
    from plugins.supervision.models.disclosures import Disclosure
    from plugins.supervision.models.matters import MajorMatter

MONEY = Numeric(14, 2)


class FundAccount(LocalityScoped, Base):
    """A fund account of a village's collective (现金, 银行存款…) with its maintained balance."""

    __tablename__ = "supervision_fund_account"
    __table_args__ = (
        UniqueConstraint("locality_code", "code"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), comment="账户编号")
    name: Mapped[str] = mapped_column(String(100), comment="账户名称")
    opening_balance: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    opened_on: Mapped[dt.date] = mapped_column(Date, comment="期初日期")
    balance: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"), comment="当前余额")
    last_seq: Mapped[int] = mapped_column(Integer, default=0, comment="最后一个记账凭证号")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @validates("code", "name")
    def _check_text(self, key: str, value: str) -> str:
        return clean_text(value, {"code": "账户编号", "name": "账户名称"}[key], limit=100)

    @validates("opening_balance")
    def _check_opening(self, _key: str, value: Any) -> Decimal:
        amount = money(value, "期初余额")
        if amount < 0:
            raise ValueError("期初余额不能为负数")
        return amount

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@event.listens_for(FundAccount, "before_insert")
def _account_starts_at_its_opening_balance(_mapper: Any, _connection: Any, target: Any) -> None:
    target.balance = target.opening_balance or Decimal("0")
    target.last_seq = 0


@event.listens_for(FundAccount, "before_update")
def _opening_balance_fixed_once_booked(_mapper: Any, _connection: Any, target: Any) -> None:
    changed = changed_attributes(target)
    if "balance" in changed or "last_seq" in changed:
        raise LockedRecordError("账户余额由记账自动维护，不能直接修改")
    if "opening_balance" in changed:
        if committed(target, "last_seq"):
            raise LockedRecordError("账户已有记账凭证，期初余额不能再修改")
        target.balance = target.opening_balance


class Voucher(LocalityScoped, Base):
    """A receipt or payment voucher (收支凭证) of one fund account, with line items.

    ``state`` doubles as the optimistic version column: every UPDATE carries
    ``WHERE state = <the state read>``, so two people booking the same voucher at once book it
    once; the second gets a clear refusal.
    """

    __tablename__ = "supervision_voucher"
    __workflow__ = VOUCHER_WORKFLOW
    __table_args__ = (
        UniqueConstraint("account_id", "seq"),
        UniqueConstraint("reverses_id"),
        Index("ix_supervision_voucher_account_period", "account_id", "period"),
        Index("ix_supervision_voucher_locality_state", "locality_code", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("supervision_fund_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), comment="收入/支出")
    voucher_date: Mapped[dt.date] = mapped_column(Date, comment="业务日期")
    summary: Mapped[str] = mapped_column(String(200), comment="摘要")
    amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"), comment="金额合计")
    state: Mapped[str] = mapped_column(String(20), default=VOUCHER_WORKFLOW.initial)
    seq: Mapped[int | None] = mapped_column(Integer, comment="记账凭证号")
    period: Mapped[str | None] = mapped_column(String(7), comment="记账期间 YYYY-MM")
    matter_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_matter.id"), index=True, comment="四议两公开事项"
    )
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_voucher.id"), comment="冲销的凭证"
    )
    reason: Mapped[str | None] = mapped_column(String(200), comment="冲销理由")
    audit_opinion: Mapped[str | None] = mapped_column(String(200), comment="审核意见")
    made_by: Mapped[str | None] = mapped_column(String(100), comment="制单人")
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    audited_by: Mapped[str | None] = mapped_column(String(100), comment="审核人")
    audited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    booked_by: Mapped[str | None] = mapped_column(String(100), comment="记账人")
    booked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    disclosure_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_disclosure.id"), index=True
    )
    disclosed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": state, "version_id_generator": False}

    account: Mapped[FundAccount] = relationship()
    lines: Mapped[list[VoucherLine]] = relationship(
        back_populates="voucher", cascade="all, delete-orphan", order_by="VoucherLine.position"
    )
    matter: Mapped[MajorMatter | None] = relationship()
    reverses: Mapped[Voucher | None] = relationship(remote_side=[id])
    disclosure: Mapped[Disclosure | None] = relationship()

    @validates("kind")
    def _check_kind(self, _key: str, value: str) -> str:
        if value not in VOUCHER_KINDS:
            raise ValueError(f"凭证类型必须是 {'、'.join(VOUCHER_KINDS)} 之一：{value}")
        return value

    @validates("summary")
    def _check_summary(self, _key: str, value: str) -> str:
        return clean_text(value, "摘要")

    @property
    def kind_label(self) -> str:
        """收入凭证 or 支出凭证 (红字 for a reversal)."""
        label = VOUCHER_KINDS.get(self.kind, self.kind)
        return f"红字{label}" if self.reverses_id else label

    @property
    def number(self) -> str:
        """The booking number (记字第 N 号) once booked."""
        return f"记字第 {self.seq} 号" if self.seq else "未记账"

    @property
    def signed_amount(self) -> Decimal:
        """What booking adds to the account's balance: receipts add, payments subtract."""
        return self.amount if self.kind == "receipt" else -self.amount

    def on_transition(self, transition: Any, actor: Any, session: Any, reason: Any) -> None:
        """Record who did each step; booking updates the balance under a conditional UPDATE."""
        from plugins.supervision.services import funds

        funds.after_voucher_transition(self, transition, actor, session, reason)

    def __str__(self) -> str:
        return f"{self.voucher_date} {self.summary}（{self.amount} 元）"


class VoucherLine(Base):
    """One line of a voucher: subject (科目), summary and amount."""

    __tablename__ = "supervision_voucher_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_voucher.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=1)
    subject: Mapped[str] = mapped_column(String(50), comment="科目")
    summary: Mapped[str | None] = mapped_column(String(200), comment="摘要")
    amount: Mapped[Decimal] = mapped_column(MONEY, comment="金额")

    voucher: Mapped[Voucher] = relationship(back_populates="lines")

    @validates("subject")
    def _check_subject(self, _key: str, value: str) -> str:
        return clean_text(value, "科目", limit=50)

    @validates("summary")
    def _check_summary(self, _key: str, value: str | None) -> str | None:
        return clean_text(value, "明细摘要", required=False)

    @validates("amount")
    def _check_amount(self, _key: str, value: Any) -> Decimal:
        amount = money(value, "明细金额")
        if amount == 0:
            raise ValueError("明细金额不能为零")
        return amount

    @classmethod
    def scope_clause(cls, scope_code: str) -> ColumnElement[bool]:
        """Lines of vouchers within the scope."""
        return cls.voucher_id.in_(select(Voucher.id).where(Voucher.scope_clause(scope_code)))

    def __str__(self) -> str:
        return f"{self.subject} {self.amount}"


class FundPeriod(Base):
    """Receipts and payments booked to one account in one month, maintained at booking."""

    __tablename__ = "supervision_fund_period"
    __table_args__ = (UniqueConstraint("account_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("supervision_fund_account.id"))
    period: Mapped[str] = mapped_column(String(7), comment="记账期间 YYYY-MM")
    receipts: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    payments: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    vouchers: Mapped[int] = mapped_column(Integer, default=0)

    account: Mapped[FundAccount] = relationship()

    @classmethod
    def scope_clause(cls, scope_code: str) -> ColumnElement[bool]:
        """Periods of accounts within the scope."""
        accounts = select(FundAccount.id).where(FundAccount.scope_clause(scope_code))
        return cls.account_id.in_(accounts)


# --- Booked vouchers are never edited -------------------------------------------------------------

CONTENT_FIELDS = {
    "account_id",
    "kind",
    "voucher_date",
    "summary",
    "amount",
    "matter_id",
    "reverses_id",
    "reason",
    "locality_code",
    "made_by",
    "created_at",
}
AFTER_BOOKING_FIELDS = {"state", "disclosure_id", "disclosed_at"}


@event.listens_for(Voucher, "before_update")
def _vouchers_are_edited_only_as_drafts(_mapper: Any, _connection: Any, target: Any) -> None:
    was = committed(target, "state")
    changed = changed_attributes(target)
    if was in LOCKED_VOUCHER_STATES and changed - AFTER_BOOKING_FIELDS:
        raise LockedRecordError("已记账的凭证不能修改；如需更正，请填制红字冲销凭证并写明理由")
    if was != "draft" and changed & CONTENT_FIELDS:
        raise LockedRecordError("凭证已提交，内容不能修改；如需修改，请由审核人退回")


@event.listens_for(Voucher, "before_delete")
def _only_drafts_are_deleted(_mapper: Any, connection: Any, target: Any) -> None:
    if committed(target, "state") != "draft":
        raise LockedRecordError("只有草稿凭证可以删除；已记账的凭证请用红字冲销凭证更正")
    if connection is not None:
        from plugins.supervision.models.attachments import SupervisionAttachment

        attached = connection.execute(
            select(SupervisionAttachment.id)
            .where(
                SupervisionAttachment.owner_kind == "voucher",
                SupervisionAttachment.owner_id == target.id,
            )
            .limit(1)
        ).first()
        if attached is not None:
            raise LockedRecordError("该凭证已上传附件，不能删除（附件须留存）")


def _check_line_change(target: VoucherLine) -> None:
    voucher = target.voucher
    if voucher is None:
        return
    from sqlalchemy import inspect
    from sqlalchemy.orm import object_session

    state = inspect(voucher)
    if state.pending or state.transient:
        return
    owner = object_session(voucher)
    if owner is not None and voucher in owner.deleted:
        _only_drafts_are_deleted(None, None, voucher)
    if committed(voucher, "state") != "draft":
        raise LockedRecordError("凭证已提交或已记账，明细不能修改")


@event.listens_for(VoucherLine, "before_insert")
@event.listens_for(VoucherLine, "before_update")
@event.listens_for(VoucherLine, "before_delete")
def _lines_change_only_in_drafts(_mapper: Any, _connection: Any, target: Any) -> None:
    _check_line_change(target)
