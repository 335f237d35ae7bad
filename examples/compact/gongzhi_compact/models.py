"""The compact's tables: versions of each village's compact, their articles, and the adoptions.

A village's compact (村规民约, or 居民公约 in a community) is a series of versions numbered 1, 2, 3…
Only a draft is edited; a revision starts a new draft from an earlier version, so every adopted
version stays as it was adopted. Publishing a version supersedes the one published before it.
Every record belongs to its village (``LocalityScoped``); articles and adoptions carry a copy of
their version's locality code, so the admin and the API scope them with the same indexed query.
A version's ``row_version`` refuses the second of two concurrent steps (two clicks on 公布施行).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from core.models.scoped import LocalityScoped
from plugins.consultation.models import ConsultationDeliberation, ConsultationMatter

from gongzhi_compact.workflow import VERSION_WORKFLOW


class CompactVersion(LocalityScoped, Base):
    """One version of a village's compact: its title, articles, and where it stands."""

    __tablename__ = "compact_version"
    __workflow__ = VERSION_WORKFLOW
    __table_args__ = (UniqueConstraint("locality_code", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, comment="版本号（本村第几版）")
    title: Mapped[str] = mapped_column(String(100), comment="标题")
    state: Mapped[str] = mapped_column(String(20), default=VERSION_WORKFLOW.initial, index=True)
    based_on_id: Mapped[int | None] = mapped_column(
        ForeignKey("compact_version.id"), comment="修订自哪一版"
    )
    deliberation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_deliberation.id"), index=True, comment="审议它的议事会议"
    )
    matter_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_matter.id"), comment="议事会议议程中的协商事项"
    )
    reason: Mapped[str | None] = mapped_column(String(200), comment="最近一次退回或撤回的理由")
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, comment="表决结果记录时间")
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}

    articles: Mapped[list[CompactArticle]] = relationship(
        back_populates="version", order_by="CompactArticle.number", cascade="all, delete-orphan"
    )
    based_on: Mapped[CompactVersion | None] = relationship(remote_side=[id])
    deliberation: Mapped[ConsultationDeliberation | None] = relationship()
    matter: Mapped[ConsultationMatter | None] = relationship()

    def on_transition(self, transition: Any, actor: Any, session: Session, reason: Any) -> None:
        """Timestamps and who acted; the deliberation's agenda, the adoption record and the
        superseding of the previous version are written by :mod:`gongzhi_compact.adoption`."""
        from gongzhi_compact import adoption

        now = utcnow()
        if reason:
            self.reason = reason
        label = getattr(actor, "label", None) or "system"
        name = transition.name
        if name == "submit":
            self.submitted_at, self.submitted_by = now, label
        elif name == "approve":
            self.reviewed_at, self.reviewed_by = now, label
        elif name == "refer":
            adoption.put_on_agenda(session, self, actor)
        elif name in ("adopt", "reject"):
            self.decided_at = now
            adoption.record_decision(session, self, actor, adopted=name == "adopt")
        elif name == "withdraw":
            adoption.withdraw_from_meeting(session, self, actor)
        elif name == "publish":
            self.published_at = now
            adoption.supersede_and_announce(session, self)

    @property
    def label(self) -> str:
        """``《城南社区居民公约》第2版``."""
        return f"《{self.title}》第{self.number}版"

    def __str__(self) -> str:
        return self.label


class CompactArticle(LocalityScoped, Base):
    """An article (条款) of a version: its number, the chapter it opens or belongs to, its text."""

    __tablename__ = "compact_article"
    __table_args__ = (UniqueConstraint("version_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("compact_version.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer, comment="条号")
    chapter: Mapped[str | None] = mapped_column(String(50), comment="所属章节")
    body: Mapped[str] = mapped_column(Text, comment="条文")

    version: Mapped[CompactVersion] = relationship(back_populates="articles")

    def __str__(self) -> str:
        return f"第{self.number}条"


class CompactAdoption(LocalityScoped, Base):
    """The record of a deliberation's vote on a version: adopted or not, with the counts.
    Append-only: written when the result is recorded, never edited."""

    __tablename__ = "compact_adoption"
    __table_args__ = (UniqueConstraint("version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("compact_version.id"))
    version_number: Mapped[int] = mapped_column(Integer, comment="版本号")
    adopted: Mapped[bool] = mapped_column(comment="是否通过")
    deliberation_id: Mapped[int] = mapped_column(ForeignKey("consultation_deliberation.id"))
    matter_id: Mapped[int] = mapped_column(ForeignKey("consultation_matter.id"))
    attendees: Mapped[int] = mapped_column(Integer, comment="参会人数")
    votes_for: Mapped[int | None] = mapped_column(Integer, comment="赞成")
    votes_against: Mapped[int | None] = mapped_column(Integer, comment="反对")
    votes_abstain: Mapped[int | None] = mapped_column(Integer, comment="弃权")
    outcome: Mapped[str] = mapped_column(Text, comment="协商结果")
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[CompactVersion] = relationship()
    deliberation: Mapped[ConsultationDeliberation] = relationship()

    def __str__(self) -> str:
        return f"{self.version}：{'通过' if self.adopted else '未通过'}"
