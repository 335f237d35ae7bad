"""资产 and 资源: the collective's asset register, its resources, their contracts and rent.

Assets (房屋, 设施, 设备…) are registered with value and acquisition; disposing of one needs a
decided 四议两公开 matter. Resources (耕地, 林地, 坑塘, 房屋…) are let under contracts whose
annual rent falls due on a fixed day; dues and payments are recorded, so rent due and overdue
lists are simple indexed queries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db import Base, UTCDateTime, utcnow
from core.models.scoped import LocalityScoped
from plugins.supervision.models.common import LockedRecordError, clean_text, committed, money
from plugins.supervision.models.constants import (
    ASSET_ACQUISITIONS,
    ASSET_CATEGORIES,
    RESOURCE_KINDS,
    RESOURCE_UNITS,
)
from plugins.supervision.workflows import ASSET_WORKFLOW

if TYPE_CHECKING:
    from plugins.supervision.models.matters import MajorMatter

MONEY = Numeric(14, 2)


def _choice(value: str, choices: dict[str, str], field: str) -> str:
    if value not in choices:
        raise ValueError(f"{field}必须是 {'、'.join(choices)} 之一：{value}")
    return value


class CollectiveAsset(LocalityScoped, Base):
    """A collective asset (集体资产) with its value, acquisition and status."""

    __tablename__ = "supervision_asset"
    __workflow__ = ASSET_WORKFLOW
    __table_args__ = (UniqueConstraint("locality_code", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), comment="资产编号")
    name: Mapped[str] = mapped_column(String(100), comment="资产名称")
    category: Mapped[str] = mapped_column(String(20), comment="资产类别")
    acquisition: Mapped[str] = mapped_column(String(20), comment="取得方式")
    acquired_on: Mapped[dt.date] = mapped_column(Date, comment="取得日期")
    original_value: Mapped[Decimal] = mapped_column(MONEY, comment="原值（元）")
    location: Mapped[str | None] = mapped_column(String(100), comment="坐落位置")
    state: Mapped[str] = mapped_column(String(20), default=ASSET_WORKFLOW.initial)
    disposal_matter_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_matter.id"), comment="处置决策事项"
    )
    disposed_on: Mapped[dt.date | None] = mapped_column(Date, comment="处置日期")
    disposal_method: Mapped[str | None] = mapped_column(String(50), comment="处置方式")
    disposal_amount: Mapped[Decimal | None] = mapped_column(MONEY, comment="处置收入（元）")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    disposal_matter: Mapped[MajorMatter | None] = relationship()

    @validates("code", "name")
    def _check_text(self, key: str, value: str) -> str:
        return clean_text(value, {"code": "资产编号", "name": "资产名称"}[key], limit=100)

    @validates("category")
    def _check_category(self, _key: str, value: str) -> str:
        return _choice(value, ASSET_CATEGORIES, "资产类别")

    @validates("acquisition")
    def _check_acquisition(self, _key: str, value: str) -> str:
        return _choice(value, ASSET_ACQUISITIONS, "取得方式")

    @validates("original_value", "disposal_amount")
    def _check_value(self, key: str, value: Any) -> Decimal | None:
        if key == "disposal_amount" and value in (None, ""):
            return None
        amount = money(value, "原值" if key == "original_value" else "处置收入")
        if amount < 0:
            raise ValueError("金额不能为负数")
        return amount

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@event.listens_for(CollectiveAsset, "before_update")
def _disposed_assets_are_closed(_mapper: Any, _connection: Any, target: Any) -> None:
    if committed(target, "state") == "disposed":
        raise LockedRecordError("资产已处置，台账记录不能再修改")


class CollectiveResource(LocalityScoped, Base):
    """A collective resource (集体资源): land, forest, pond, building…"""

    __tablename__ = "supervision_resource"
    __table_args__ = (UniqueConstraint("locality_code", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), comment="资源编号")
    name: Mapped[str] = mapped_column(String(100), comment="资源名称")
    kind: Mapped[str] = mapped_column(String(20), comment="资源类型")
    area: Mapped[Decimal] = mapped_column(Numeric(14, 2), comment="面积")
    unit: Mapped[str] = mapped_column(String(10), default="mu", comment="面积单位")
    location: Mapped[str | None] = mapped_column(String(100), comment="坐落位置")
    note: Mapped[str | None] = mapped_column(Text)

    contracts: Mapped[list[ResourceContract]] = relationship(back_populates="resource")

    @validates("code", "name")
    def _check_text(self, key: str, value: str) -> str:
        return clean_text(value, {"code": "资源编号", "name": "资源名称"}[key], limit=100)

    @validates("kind")
    def _check_kind(self, _key: str, value: str) -> str:
        return _choice(value, RESOURCE_KINDS, "资源类型")

    @validates("unit")
    def _check_unit(self, _key: str, value: str) -> str:
        return _choice(value, RESOURCE_UNITS, "面积单位")

    @validates("area")
    def _check_area(self, _key: str, value: Any) -> Decimal:
        area = money(value, "面积")
        if area <= 0:
            raise ValueError("面积必须大于零")
        return area

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ResourceContract(LocalityScoped, Base):
    """A contract letting a resource (承包/租赁合同): lessee, term and annual rent."""

    __tablename__ = "supervision_contract"
    __table_args__ = (
        UniqueConstraint("locality_code", "number"),
        CheckConstraint("end_on > start_on", name="term_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("supervision_resource.id"), index=True)
    number: Mapped[str] = mapped_column(String(40), comment="合同编号")
    lessee: Mapped[str] = mapped_column(String(100), comment="承包方/承租方")
    start_on: Mapped[dt.date] = mapped_column(Date, comment="起始日期")
    end_on: Mapped[dt.date] = mapped_column(Date, comment="终止日期")
    annual_rent: Mapped[Decimal] = mapped_column(MONEY, comment="年租金（元）")
    due_month: Mapped[int] = mapped_column(Integer, default=12, comment="每年交租月份")
    due_day: Mapped[int] = mapped_column(Integer, default=31, comment="每年交租日")
    matter_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_matter.id"), comment="发包决策事项"
    )
    signed_on: Mapped[dt.date | None] = mapped_column(Date, comment="签订日期")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource: Mapped[CollectiveResource] = relationship(back_populates="contracts")
    matter: Mapped[MajorMatter | None] = relationship()
    dues: Mapped[list[RentDue]] = relationship(
        back_populates="contract", order_by="RentDue.due_on", cascade="all, delete-orphan"
    )

    @validates("number", "lessee")
    def _check_text(self, key: str, value: str) -> str:
        return clean_text(value, {"number": "合同编号", "lessee": "承包方"}[key], limit=100)

    @validates("annual_rent")
    def _check_rent(self, _key: str, value: Any) -> Decimal:
        rent = money(value, "年租金")
        if rent < 0:
            raise ValueError("年租金不能为负数")
        return rent

    @validates("due_month")
    def _check_month(self, _key: str, value: int) -> int:
        if not 1 <= int(value) <= 12:
            raise ValueError("交租月份必须在 1 到 12 之间")
        return int(value)

    @validates("due_day")
    def _check_day(self, _key: str, value: int) -> int:
        if not 1 <= int(value) <= 31:
            raise ValueError("交租日必须在 1 到 31 之间")
        return int(value)

    def __str__(self) -> str:
        return f"{self.number}（{self.lessee}）"


class RentDue(LocalityScoped, Base):
    """One year's rent of a contract: amount due, due date, and how much has been paid."""

    __tablename__ = "supervision_rent_due"
    __table_args__ = (
        UniqueConstraint("contract_id", "due_on"),
        CheckConstraint("paid_amount <= amount", name="not_overpaid"),
        Index("ix_supervision_rent_due_locality_due", "locality_code", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_contract.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(30), comment="租金期间")
    due_on: Mapped[dt.date] = mapped_column(Date, comment="应缴日期")
    amount: Mapped[Decimal] = mapped_column(MONEY, comment="应缴金额")
    paid_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"), comment="已缴金额")
    paid_on: Mapped[dt.date | None] = mapped_column(Date, comment="最近缴款日期")

    contract: Mapped[ResourceContract] = relationship(back_populates="dues")

    @property
    def outstanding(self) -> Decimal:
        """What is still owed."""
        return self.amount - (self.paid_amount or Decimal("0"))

    def __str__(self) -> str:
        return f"{self.label} {self.amount} 元"


class RentPayment(LocalityScoped, Base):
    """A rent payment received (append-only); the due's ``paid_amount`` is maintained from it."""

    __tablename__ = "supervision_rent_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    due_id: Mapped[int] = mapped_column(ForeignKey("supervision_rent_due.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY, comment="缴款金额")
    paid_on: Mapped[dt.date] = mapped_column(Date, comment="缴款日期")
    voucher_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_voucher.id"), comment="收款凭证"
    )
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    due: Mapped[RentDue] = relationship()

    @classmethod
    def for_due(cls, due: RentDue) -> Any:
        """A query of the payments of ``due``."""
        return select(cls).where(cls.due_id == due.id).order_by(cls.paid_on)


@event.listens_for(RentPayment, "before_update")
@event.listens_for(RentPayment, "before_delete")
def _payments_are_append_only(_mapper: Any, _connection: Any, target: Any) -> None:
    raise LockedRecordError("缴款记录不能修改或删除")
