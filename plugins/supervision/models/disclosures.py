"""村务公开: disclosures (append-only, amended by new disclosures) and the disclosure calendar.

A disclosure is never edited or deleted once published. A correction is a new disclosure that
names the one it amends (``amends_id``, at most one amendment per disclosure, so the chain is a
line) and why. The calendar lists what each village must disclose for each period and by when;
an entry without a covering disclosure after its due date is overdue.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db import Base, UTCDateTime, utcnow
from core.models.scoped import LocalityScoped
from plugins.supervision.models.common import LockedRecordError, clean_text
from plugins.supervision.models.constants import DISCLOSURE_CATEGORIES, DISCLOSURE_SOURCES


class Disclosure(LocalityScoped, Base):
    """One published disclosure of a village (党务, 村务, 财务…)."""

    __tablename__ = "supervision_disclosure"
    __table_args__ = (
        UniqueConstraint("amends_id"),
        Index("ix_supervision_disclosure_locality_published", "locality_code", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20), comment="公开类别")
    title: Mapped[str] = mapped_column(String(200), comment="标题")
    content: Mapped[str] = mapped_column(Text, comment="公开内容")
    period_label: Mapped[str | None] = mapped_column(String(30), comment="公开期间")
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    online: Mapped[bool] = mapped_column(Boolean, default=True, comment="网上公开")
    board: Mapped[bool] = mapped_column(Boolean, default=True, comment="公开栏张贴")
    source: Mapped[str] = mapped_column(String(20), default="manual", comment="来源")
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON, comment="财务数据")
    matter_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_matter.id"), index=True, comment="四议两公开事项"
    )
    amends_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_disclosure.id"), comment="更正的公开"
    )
    amendment_reason: Mapped[str | None] = mapped_column(String(200), comment="更正理由")
    published_by: Mapped[str | None] = mapped_column(String(100), comment="发布人")
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    amends: Mapped[Disclosure | None] = relationship(
        remote_side=[id], back_populates="amended_by", foreign_keys=[amends_id]
    )
    amended_by: Mapped[Disclosure | None] = relationship(
        back_populates="amends", foreign_keys=[amends_id], uselist=False
    )

    @validates("category")
    def _check_category(self, _key: str, value: str) -> str:
        if value not in DISCLOSURE_CATEGORIES:
            raise ValueError(f"公开类别必须是 {'、'.join(DISCLOSURE_CATEGORIES)} 之一：{value}")
        return value

    @validates("source")
    def _check_source(self, _key: str, value: str) -> str:
        if value not in DISCLOSURE_SOURCES:
            raise ValueError(f"来源无效：{value}")
        return value

    @validates("title")
    def _check_title(self, _key: str, value: str) -> str:
        return clean_text(value, "标题")

    @validates("content")
    def _check_content(self, _key: str, value: str) -> str:
        return clean_text(value, "公开内容", limit=100_000)

    @validates("period_label")
    def _check_period(self, _key: str, value: str | None) -> str | None:
        return clean_text(value, "公开期间", required=False, limit=30)

    @validates("amendment_reason")
    def _check_reason(self, _key: str, value: str | None) -> str | None:
        return clean_text(value, "更正理由", required=False)

    @property
    def category_label(self) -> str:
        """党务公开, 村务公开…"""
        return DISCLOSURE_CATEGORIES.get(self.category, self.category)

    @property
    def channels(self) -> str:
        """Where it is published, in Chinese."""
        names = [n for n, on in (("网上", self.online), ("公开栏", self.board)) if on]
        return "、".join(names) or "未标注"

    def __str__(self) -> str:
        return self.title


@event.listens_for(Disclosure, "before_update")
@event.listens_for(Disclosure, "before_delete")
def _disclosures_are_append_only(_mapper: Any, _connection: Any, target: Any) -> None:
    raise LockedRecordError("已发布的公开内容不能修改或删除；如需更正，请发布更正公告并写明理由")


class DisclosureDue(LocalityScoped, Base):
    """One line of the disclosure calendar: a village must disclose a category for a period."""

    __tablename__ = "supervision_disclosure_due"
    __table_args__ = (
        UniqueConstraint("locality_code", "category", "period_start"),
        Index("ix_supervision_disclosure_due_due_on", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20), comment="公开类别")
    period_label: Mapped[str] = mapped_column(String(30), comment="公开期间")
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date, comment="应公开日期")
    disclosure_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_disclosure.id"), comment="已公开内容"
    )
    fulfilled_on: Mapped[dt.date | None] = mapped_column(Date, comment="实际公开日期")

    disclosure: Mapped[Disclosure | None] = relationship()

    @property
    def category_label(self) -> str:
        """党务公开, 村务公开…"""
        return DISCLOSURE_CATEGORIES.get(self.category, self.category)

    def status_on(self, day: dt.date) -> str:
        """按期公开, 逾期公开, 逾期未公开 or 未到期 on ``day``."""
        if self.fulfilled_on is not None:
            return "逾期公开" if self.fulfilled_on > self.due_on else "按期公开"
        return "逾期未公开" if day > self.due_on else "未到期"

    def __str__(self) -> str:
        return f"{self.period_label}{self.category_label}"
