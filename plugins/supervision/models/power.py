"""村级权力清单: the county's list of village power items and the steps each must follow."""

from __future__ import annotations

from sqlalchemy import ColumnElement, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db import Base
from core.models.scoped import LocalityScoped
from plugins.supervision.models.common import clean_text, within_or_above


class PowerItem(LocalityScoped, Base):
    """A village power item (权力事项), set by a county or town for every village under it."""

    __tablename__ = "supervision_power_item"
    __table_args__ = (UniqueConstraint("locality_code", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), comment="事项编号")
    title: Mapped[str] = mapped_column(String(100), comment="事项名称")
    category: Mapped[str] = mapped_column(String(30), comment="事项类别")
    basis: Mapped[str | None] = mapped_column(Text, comment="实施依据")
    description: Mapped[str | None] = mapped_column(Text, comment="说明")
    position: Mapped[int] = mapped_column(Integer, default=0, comment="排序")

    steps: Mapped[list[PowerStep]] = relationship(
        back_populates="item", order_by="PowerStep.position", cascade="all, delete-orphan"
    )

    @validates("code", "title", "category")
    def _check_text(self, key: str, value: str) -> str:
        labels = {"code": "事项编号", "title": "事项名称", "category": "事项类别"}
        return clean_text(value, labels[key], limit=100)

    @classmethod
    def scope_clause(cls, scope_code: str) -> ColumnElement[bool]:
        """Rows at or under the scope, and those of the levels above that apply to it."""
        return within_or_above(cls.locality_code, scope_code)

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class PowerStep(Base):
    """One step of a power item's procedure (流程图的一个环节)."""

    __tablename__ = "supervision_power_step"
    __table_args__ = (UniqueConstraint("item_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_power_item.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, comment="顺序")
    title: Mapped[str] = mapped_column(String(100), comment="环节")
    actor: Mapped[str | None] = mapped_column(String(100), comment="责任主体")
    note: Mapped[str | None] = mapped_column(String(200), comment="要求")

    item: Mapped[PowerItem] = relationship(back_populates="steps")

    @validates("title")
    def _check_title(self, _key: str, value: str) -> str:
        return clean_text(value, "环节名称", limit=100)

    @classmethod
    def scope_clause(cls, scope_code: str) -> ColumnElement[bool]:
        """Steps of items within the scope."""
        return cls.item_id.in_(select(PowerItem.id).where(PowerItem.scope_clause(scope_code)))

    def __str__(self) -> str:
        return self.title
