"""The points plugin's tables.

* Rules (积分细则) are versioned rows: a change is a new version, an award keeps the version used.
* The ledger is double-entry and append-only: a :class:`PointsTransfer` has
  :class:`PointsMovement` rows that sum to zero; :class:`PointsAccount` carries the maintained
  balance and :class:`PointsTally` the maintained per-period aggregates that rankings, star
  ratings and expiry read (:class:`PointsRuleTally` those that caps read).

Class names carry the ``Points`` prefix because every plugin shares one declarative registry.
* Claims (积分申报), the love supermarket (爱心超市: merchants, products, redemptions,
  settlements), dividends (超额积累分红) and yearly ranking snapshots (积德榜).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from core.models import Household, Organization, Person
from core.models.scoped import LocalityScoped
from core.workflow import WorkflowError
from plugins.points.settings import SCHEMES
from plugins.points.workflow import CLAIM_WORKFLOW, RANKING_WORKFLOW, REDEMPTION_WORKFLOW


@contextlib.contextmanager
def _refusals_as_workflow_errors() -> Iterator[None]:
    """A transition's side effect refused (a cap, a floor): report it as the transition's refusal,
    which the admin flashes and the API returns as 422, and the caller rolls back."""
    try:
        yield
    except ValueError as exc:
        raise WorkflowError(str(exc)) from exc


ACCOUNT_KINDS = {
    "issuing": "发放账户",
    "holder": "持有人账户",
    "redeemed": "兑换回收账户",
    "expired": "过期回收账户",
}
TRANSFER_KINDS = {
    "award": "加分",
    "deduction": "扣分",
    "reversal": "冲正",
    "redemption": "兑换",
    "cancellation": "取消兑换",
    "expiry": "积分过期",
}


class PointsRule(LocalityScoped, Base):
    """One version of a rule of 积分细则, defined at the county (from the config) or overridden
    by a town or village in the admin (一村一策). Versions are never edited: a change is a new
    row with the next ``version``, and the effective rule of a village is the newest version at
    the nearest locality up its tree."""

    __tablename__ = "points_rule"
    __table_args__ = (
        UniqueConstraint("locality_code", "code", "version"),
        Index("ix_points_rule_code_locality", "code", "locality_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(20))
    points: Mapped[int] = mapped_column(Integer)
    cap: Mapped[int | None] = mapped_column(Integer)
    cap_period: Mapped[str | None] = mapped_column(String(5))
    needs_review: Mapped[bool] = mapped_column(Boolean, default=True)
    evidence: Mapped[str] = mapped_column(String(200), default="")
    trigger_event: Mapped[str | None] = mapped_column(String(100), index=True)
    person_field: Mapped[str] = mapped_column(String(50), default="person_id")
    awarded_by: Mapped[str] = mapped_column(String(10), default="village")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(10), default="admin")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))

    @property
    def scheme_label(self) -> str:
        """The scheme in Chinese."""
        return SCHEMES.get(self.scheme, self.scheme)

    def __str__(self) -> str:
        sign = "+" if self.points > 0 else ""
        return f"{self.code} {self.name}（{sign}{self.points}分，第{self.version}版）"


def household_name(number: str, members: list[tuple[str, str | None]]) -> str:
    """A household as it holds points: its head's name and 户 (张三户), or the first member's
    when no head is registered, or its number when it has no members.

    ``members`` are (name, relation to the head) pairs in registration order."""
    head = next((name for name, relation in members if relation == "户主"), None)
    head = head or (members[0][0] if members else None)
    return f"{head}户" if head else f"户 {number}"


class PointsAccount(LocalityScoped, Base):
    """A points account: a village's issuing or recovery account, or a holder's account.

    ``balance`` is maintained in the same transaction as every movement, by conditional
    ``UPDATE`` statements; the check constraint keeps it at or above ``floor`` (``NULL``: no
    floor, for issuing accounts that go negative as they issue). ``earned`` is the holder's
    all-time net award (加分 − 扣分 − 冲正), which spending at the supermarket does not reduce.
    """

    __tablename__ = "points_account"
    __table_args__ = (
        CheckConstraint("floor IS NULL OR balance >= floor", name="balance_floor"),
        Index("ix_points_account_scheme_kind_locality", "scheme", "kind", "locality_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    scheme: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("core_household.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_organization.id"), index=True
    )
    balance: Mapped[int] = mapped_column(Integer, default=0)
    earned: Mapped[int] = mapped_column(Integer, default=0)
    floor: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person | None] = relationship()
    household: Mapped[Household | None] = relationship()
    organization: Mapped[Organization | None] = relationship()

    @property
    def kind_label(self) -> str:
        """The account kind in Chinese."""
        return ACCOUNT_KINDS.get(self.kind, self.kind)

    @property
    def holder_name(self) -> str:
        """Who holds the account, by name (full: staff views only)."""
        if self.person is not None:
            return self.person.name
        if self.household is not None:
            members = [(m.name, m.relation) for m in self.household.members]
            return household_name(self.household.number, members)
        if self.organization is not None:
            return self.organization.name
        return f"{self.locality.name}{self.kind_label}" if self.locality else self.kind_label

    def __str__(self) -> str:
        return f"{self.holder_name}（{SCHEMES.get(self.scheme, self.scheme)}）"


class PointsTransfer(LocalityScoped, Base):
    """One posting of the ledger: its movements sum to zero. Never edited; a correction is a new
    transfer of kind ``reversal`` that names the transfer it reverses (once only) and a reason."""

    __tablename__ = "points_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(15), index=True)
    scheme: Mapped[str] = mapped_column(String(10))
    value_date: Mapped[dt.date] = mapped_column(Date, index=True)
    memo: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(200))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("points_transfer.id"), unique=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("points_rule.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))

    movements: Mapped[list[PointsMovement]] = relationship(
        back_populates="transfer", order_by="PointsMovement.id"
    )
    rule: Mapped[PointsRule | None] = relationship()
    reverses: Mapped[PointsTransfer | None] = relationship(remote_side=[id])

    @property
    def kind_label(self) -> str:
        """The transfer kind in Chinese."""
        return TRANSFER_KINDS.get(self.kind, self.kind)

    def __str__(self) -> str:
        return f"#{self.id} {self.kind_label}：{self.memo}"


class PointsMovement(LocalityScoped, Base):
    """One line of a transfer: ``amount`` points into (positive) or out of an account.

    ``locality_code`` is the account's, so that scoped ledger queries use an index."""

    __tablename__ = "points_movement"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="nonzero"),
        Index("ix_points_movement_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("points_transfer.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("points_account.id"))
    amount: Mapped[int] = mapped_column(Integer)

    transfer: Mapped[PointsTransfer] = relationship(back_populates="movements")
    account: Mapped[PointsAccount] = relationship()

    def __str__(self) -> str:
        return f"{self.amount:+d}"


class PointsTally(LocalityScoped, Base):
    """Maintained aggregates of a holder account for one period: a year (``2026``) or a month
    (``2026-03``). ``earned`` feeds rankings and star ratings, ``credits``/``debits`` expiry."""

    __tablename__ = "points_tally"
    __table_args__ = (
        UniqueConstraint("account_id", "period"),
        Index("ix_points_tally_board", "scheme", "period", "locality_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("points_account.id"))
    period: Mapped[str] = mapped_column(String(7))
    scheme: Mapped[str] = mapped_column(String(10))
    earned: Mapped[int] = mapped_column(Integer, default=0)
    credits: Mapped[int] = mapped_column(Integer, default=0)
    debits: Mapped[int] = mapped_column(Integer, default=0)

    account: Mapped[PointsAccount] = relationship()


RANKED_PREFIXES = {6: "county", 9: "town", 12: "village"}
"""Code prefix lengths (county, town, village) whose boards have their own index."""


def _ranking_indexes(table: Table, board: Column, tie_break: Column) -> None:
    """Index ``table`` for leaderboards: rows in ranking order (points descending, then
    ``tie_break``), so a board reads its top rows and stops, never sorting a scope's accounts.

    One index serves the whole deployment (province and prefecture boards filter it as they
    scan: they cover most of it); one per county, town and village is keyed on the code prefix
    that :func:`plugins.points.rankings.board_scope` compares (``substr(locality_code, 1, n)``),
    so SQLite and PostgreSQL both find a board's rows by equality, whatever their statistics say.
    """
    columns = table.c
    Index(f"ix_{table.name}_rank", columns.scheme, board, columns.earned.desc(), tie_break)
    for length, level in RANKED_PREFIXES.items():
        Index(
            f"ix_{table.name}_rank_{level}",
            columns.scheme,
            board,
            func.substr(columns.locality_code, 1, length),
            columns.earned.desc(),
            tie_break,
        )


_ranking_indexes(
    PointsAccount.__table__, PointsAccount.__table__.c.kind, PointsAccount.__table__.c.id
)
_ranking_indexes(
    PointsTally.__table__, PointsTally.__table__.c.period, PointsTally.__table__.c.account_id
)


class PointsRuleTally(Base):
    """How many points one rule has given (or taken) one holder in one cap period."""

    __tablename__ = "points_rule_tally"

    account_id: Mapped[int] = mapped_column(ForeignKey("points_account.id"), primary_key=True)
    rule_code: Mapped[str] = mapped_column(String(30), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer, default=0)

    account: Mapped[PointsAccount] = relationship()


claim_persons = Table(
    "points_claim_person",
    Base.metadata,
    Column("claim_id", ForeignKey("points_claim.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("core_person.id"), primary_key=True),
)

claim_branches = Table(
    "points_claim_branch",
    Base.metadata,
    Column("claim_id", ForeignKey("points_claim.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("core_organization.id"), primary_key=True),
)


class PointsClaim(LocalityScoped, Base):
    """积分申报: one rule, one activity, one or many residents (or branches). Submitted, reviewed,
    publicly noticed, then posted to the ledger as one transfer."""

    __tablename__ = "points_claim"
    __workflow__ = CLAIM_WORKFLOW
    __table_args__ = (Index("ix_points_claim_state_notice", "state", "notice_ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("points_rule.id"))
    rule_code: Mapped[str] = mapped_column(String(30))
    scheme: Mapped[str] = mapped_column(String(10))
    points: Mapped[int] = mapped_column(Integer)
    activity: Mapped[str] = mapped_column(String(100))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(15), default=CLAIM_WORKFLOW.initial, index=True)
    source: Mapped[str] = mapped_column(String(10), default="manual")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_account.id"))
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(200))
    objection: Mapped[str | None] = mapped_column(String(200))
    objections: Mapped[int] = mapped_column(Integer, default=0)
    notice_starts_on: Mapped[dt.date | None] = mapped_column(Date)
    notice_ends_on: Mapped[dt.date | None] = mapped_column(Date)
    posted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("points_transfer.id"))
    reversal_id: Mapped[int | None] = mapped_column(ForeignKey("points_transfer.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    rule: Mapped[PointsRule] = relationship()
    persons: Mapped[list[Person]] = relationship(secondary=claim_persons, order_by=Person.id)
    branches: Mapped[list[Organization]] = relationship(
        secondary=claim_branches, order_by=Organization.id
    )
    transfer: Mapped[PointsTransfer | None] = relationship(foreign_keys=[transfer_id])
    reversal: Mapped[PointsTransfer | None] = relationship(foreign_keys=[reversal_id])

    def on_transition(self, transition, actor, session, reason) -> None:
        """Start the notice, post to the ledger, or reverse it, as the transition demands."""
        from plugins.points import claims

        with _refusals_as_workflow_errors():
            claims.after_transition(self, transition, actor, session, reason)

    @property
    def holder_count(self) -> int:
        """How many residents or branches the claim covers."""
        return len(self.persons) + len(self.branches)

    def __str__(self) -> str:
        return f"#{self.id} {self.activity}"


class PointsAutoAward(LocalityScoped, Base):
    """An automatic award for a domain event: one row per (event occurrence, rule), so that the
    same occurrence never awards twice (the unique constraint decides, also under concurrency)."""

    __tablename__ = "points_auto_award"
    __table_args__ = (UniqueConstraint("event_key_hash", "rule_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_name: Mapped[str] = mapped_column(String(100))
    event_key_hash: Mapped[str] = mapped_column(String(64))
    rule_code: Mapped[str] = mapped_column(String(30))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id"))
    outcome: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(200), default="")
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("points_claim.id"))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("points_transfer.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person | None] = relationship()


class PointsMerchant(LocalityScoped, Base):
    """A partner merchant of the love supermarket (爱心商户), selling at cost price for points."""

    __tablename__ = "points_merchant"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_organization.id"), unique=True
    )
    contract_active: Mapped[bool] = mapped_column(Boolean, default=True)
    contract_start: Mapped[dt.date | None] = mapped_column(Date)
    contract_end: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))

    organization: Mapped[Organization | None] = relationship()
    products: Mapped[list[PointsProduct]] = relationship(back_populates="merchant")

    def __str__(self) -> str:
        return self.name


class PointsProduct(LocalityScoped, Base):
    """Goods or a service in the love supermarket: a points price, a cost price and stock.

    ``stock`` never goes below zero: redemptions take it with a conditional ``UPDATE`` and the
    check constraint backs that up."""

    __tablename__ = "points_product"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_nonnegative"),
        CheckConstraint("points_price > 0", name="price_positive"),
        CheckConstraint("cost_price >= 0", name="cost_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("points_merchant.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(10), default="件")
    points_price: Mapped[int] = mapped_column(Integer)
    cost_price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    stock: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    merchant: Mapped[PointsMerchant] = relationship(back_populates="products")

    def __str__(self) -> str:
        return f"{self.name}（{self.points_price}分/{self.unit}）"


class PointsRedemption(LocalityScoped, Base):
    """A redemption at the love supermarket: reserved (points and stock taken), fulfilled (goods
    handed over), settled (paid to the merchant at cost), or cancelled (points and stock back).

    ``locality_code`` is the holder's, so village staff see their residents' redemptions."""

    __tablename__ = "points_redemption"
    __workflow__ = REDEMPTION_WORKFLOW
    __table_args__ = (
        Index("ix_points_redemption_merchant_state", "merchant_id", "state", "fulfilled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("points_account.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("points_product.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("points_merchant.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    cost_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    state: Mapped[str] = mapped_column(String(10), default=REDEMPTION_WORKFLOW.initial)
    reason: Mapped[str | None] = mapped_column(String(200))
    reserved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    fulfilled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("points_transfer.id"))
    reversal_id: Mapped[int | None] = mapped_column(ForeignKey("points_transfer.id"))
    settlement_id: Mapped[int | None] = mapped_column(
        ForeignKey("points_settlement.id"), index=True
    )
    created_by: Mapped[str | None] = mapped_column(String(100))

    account: Mapped[PointsAccount] = relationship()
    product: Mapped[PointsProduct] = relationship()
    merchant: Mapped[PointsMerchant] = relationship()
    transfer: Mapped[PointsTransfer | None] = relationship(foreign_keys=[transfer_id])
    reversal: Mapped[PointsTransfer | None] = relationship(foreign_keys=[reversal_id])
    settlement: Mapped[PointsSettlement | None] = relationship()

    def on_transition(self, transition, actor, session, reason) -> None:
        """Stamp the time; a cancellation gives the points and the stock back."""
        from plugins.points import supermarket

        with _refusals_as_workflow_errors():
            supermarket.after_transition(self, transition, actor, session, reason)

    def __str__(self) -> str:
        return f"#{self.id} {self.quantity}×{self.product.name if self.product else ''}"


class PointsSettlement(LocalityScoped, Base):
    """A merchant's settlement for a period: the CNY owed at cost price for the redemptions it
    fulfilled then. Creating it marks those redemptions settled; it is never edited."""

    __tablename__ = "points_settlement"
    __table_args__ = (UniqueConstraint("merchant_id", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("points_merchant.id"), index=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    redemptions: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))

    merchant: Mapped[PointsMerchant] = relationship()

    def __str__(self) -> str:
        return (
            f"{self.merchant.name if self.merchant else ''} {self.period_start}～{self.period_end}"
        )


class PointsDividend(LocalityScoped, Base):
    """超额积累分红: a CNY pool split across a locality's holders in proportion to their points
    for a period, in cents that add up exactly to the pool (largest remainder)."""

    __tablename__ = "points_dividend"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme: Mapped[str] = mapped_column(String(10), default="resident")
    period: Mapped[str] = mapped_column(String(7))
    pool: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    total_points: Mapped[int] = mapped_column(Integer)
    holders: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))

    shares: Mapped[list[PointsDividendShare]] = relationship(
        back_populates="dividend", order_by="PointsDividendShare.amount.desc()"
    )

    def __str__(self) -> str:
        return f"{self.locality.name if self.locality else ''} {self.period} 分红 {self.pool} 元"


class PointsDividendShare(Base):
    """One holder's share of a dividend."""

    __tablename__ = "points_dividend_share"

    dividend_id: Mapped[int] = mapped_column(ForeignKey("points_dividend.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("points_account.id"), primary_key=True)
    points: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    dividend: Mapped[PointsDividend] = relationship(back_populates="shares")
    account: Mapped[PointsAccount] = relationship()


class PointsRankingSnapshot(LocalityScoped, Base):
    """A yearly ranking of a locality frozen as entries; once published it never changes."""

    __tablename__ = "points_ranking"
    __workflow__ = RANKING_WORKFLOW
    __table_args__ = (UniqueConstraint("scheme", "locality_code", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(7))
    state: Mapped[str] = mapped_column(String(10), default=RANKING_WORKFLOW.initial)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(100))

    entries: Mapped[list[PointsRankingEntry]] = relationship(
        back_populates="snapshot", order_by="PointsRankingEntry.rank"
    )

    def on_transition(self, transition, actor, session, reason) -> None:
        """Stamp publication, or recompute a draft's entries."""
        from plugins.points import rankings

        with _refusals_as_workflow_errors():
            rankings.after_transition(self, transition, actor, session, reason)

    def __str__(self) -> str:
        scheme = SCHEMES.get(self.scheme, self.scheme)
        return f"{self.locality.name if self.locality else ''} {self.period} {scheme}排行"


class PointsRankingEntry(Base):
    """One place in a ranking snapshot (name kept as it was when frozen)."""

    __tablename__ = "points_ranking_entry"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("points_ranking.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("points_account.id"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    holder_name: Mapped[str] = mapped_column(String(100))
    points: Mapped[int] = mapped_column(Integer)
    stars: Mapped[int] = mapped_column(Integer)

    snapshot: Mapped[PointsRankingSnapshot] = relationship(back_populates="entries")
    account: Mapped[PointsAccount] = relationship()
