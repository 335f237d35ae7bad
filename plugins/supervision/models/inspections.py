"""季度督查: quarterly inspections of a reproducible random sample of villages, and findings.

A round draws at least 15% of a county's villages with a recorded seed and the population it
was drawn from, so anyone can redraw and check it. Each finding is rectified by the village and
verified (销号) by the inspectors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db import Base, UTCDateTime, utcnow
from core.models.scoped import LocalityScoped
from plugins.supervision.models.common import LockedRecordError, changed_attributes, clean_text
from plugins.supervision.models.constants import FINDING_CATEGORIES, INSPECTION_CONCLUSIONS
from plugins.supervision.workflows import FINDING_WORKFLOW


class InspectionRound(LocalityScoped, Base):
    """A quarter's inspection of a county (or town): the sample drawn and how it was drawn."""

    __tablename__ = "supervision_inspection_round"
    __table_args__ = (UniqueConstraint("locality_code", "year", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, comment="年度")
    quarter: Mapped[int] = mapped_column(Integer, comment="季度")
    rate: Mapped[int] = mapped_column(Integer, comment="抽查比例（%）")
    seed: Mapped[str] = mapped_column(String(64), comment="随机种子")
    population: Mapped[list[str]] = mapped_column(JSON, comment="抽样总体（村代码）")
    population_size: Mapped[int] = mapped_column(Integer, comment="总体村数")
    sample_size: Mapped[int] = mapped_column(Integer, comment="抽中村数")
    note: Mapped[str | None] = mapped_column(Text, comment="说明")
    drawn_by: Mapped[str | None] = mapped_column(String(100), comment="抽取人")
    drawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    targets: Mapped[list[InspectionTarget]] = relationship(
        back_populates="round", order_by="InspectionTarget.draw_order"
    )

    @property
    def label(self) -> str:
        """2026年第1季度."""
        return f"{self.year}年第{self.quarter}季度"

    def __str__(self) -> str:
        return f"{self.label}村务公开民主管理专项督查"


@event.listens_for(InspectionRound, "before_update")
def _draws_are_fixed(_mapper: Any, _connection: Any, target: Any) -> None:
    if changed_attributes(target) - {"note"}:
        raise LockedRecordError("抽查结果一经产生不能修改（可用种子复核）")


class InspectionTarget(LocalityScoped, Base):
    """A village drawn in a round, with the inspection's conclusion."""

    __tablename__ = "supervision_inspection_target"
    __table_args__ = (UniqueConstraint("round_id", "locality_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("supervision_inspection_round.id"), index=True)
    draw_order: Mapped[int] = mapped_column(Integer, comment="抽中顺序")
    inspected_on: Mapped[dt.date | None] = mapped_column(Date, comment="督查日期")
    inspectors: Mapped[str | None] = mapped_column(String(100), comment="督查人员")
    conclusion: Mapped[str | None] = mapped_column(String(10), comment="督查结论")
    summary: Mapped[str | None] = mapped_column(Text, comment="督查情况")

    round: Mapped[InspectionRound] = relationship(back_populates="targets")
    findings: Mapped[list[InspectionFinding]] = relationship(back_populates="target")

    @validates("conclusion")
    def _check_conclusion(self, _key: str, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if value not in INSPECTION_CONCLUSIONS:
            raise ValueError(f"督查结论必须是 {'、'.join(INSPECTION_CONCLUSIONS)} 之一：{value}")
        return value

    @property
    def conclusion_label(self) -> str:
        """规范, 基本规范, 不规范, or 未督查."""
        return INSPECTION_CONCLUSIONS.get(self.conclusion or "", "未督查")

    def __str__(self) -> str:
        return f"{self.locality_code}（第 {self.draw_order} 个抽中）"


@event.listens_for(InspectionTarget, "before_update")
def _drawn_villages_are_fixed(_mapper: Any, _connection: Any, target: Any) -> None:
    if changed_attributes(target) & {"round_id", "locality_code", "draw_order"}:
        raise LockedRecordError("抽中的村不能更换（可用种子复核）")


class InspectionFinding(LocalityScoped, Base):
    """A problem found in a village by an inspection, tracked until it is rectified."""

    __tablename__ = "supervision_finding"
    __workflow__ = FINDING_WORKFLOW

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_inspection_target.id"), index=True
    )
    category: Mapped[str] = mapped_column(String(20), comment="问题类别")
    description: Mapped[str] = mapped_column(Text, comment="问题描述")
    deadline: Mapped[dt.date] = mapped_column(Date, comment="整改期限")
    state: Mapped[str] = mapped_column(String(20), default=FINDING_WORKFLOW.initial)
    rectification: Mapped[str | None] = mapped_column(Text, comment="整改情况")
    reported_by: Mapped[str | None] = mapped_column(String(100))
    reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[str | None] = mapped_column(String(100))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(200), comment="验收意见")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    target: Mapped[InspectionTarget] = relationship(back_populates="findings")

    @validates("category")
    def _check_category(self, _key: str, value: str) -> str:
        if value not in FINDING_CATEGORIES:
            raise ValueError(f"问题类别必须是 {'、'.join(FINDING_CATEGORIES)} 之一：{value}")
        return value

    @validates("description")
    def _check_description(self, _key: str, value: str) -> str:
        return clean_text(value, "问题描述", limit=5000)

    def on_transition(self, transition: Any, actor: Any, session: Any, reason: Any) -> None:
        """Keep who reported and who verified the rectification."""
        from plugins.supervision.services import inspections

        inspections.after_finding_transition(self, transition, actor, session, reason)

    def is_overdue(self, day: dt.date) -> bool:
        """Not yet verified and past its deadline on ``day``."""
        return self.state != "verified" and day > self.deadline

    def __str__(self) -> str:
        return self.description[:30]


def findings_of_round(round_id: int) -> ColumnElement[bool]:
    """A condition selecting the findings of one round."""
    targets = select(InspectionTarget.id).where(InspectionTarget.round_id == round_id)
    return InspectionFinding.target_id.in_(targets)
