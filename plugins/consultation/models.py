"""The consultation tables: matters and their triage, 四办, escalations, ratings and attachments;
deliberations with agenda, attendance and votes; micro-wishes.

Every record belongs to a locality (``LocalityScoped``), so the admin and the API filter it by the
account's scope with an indexed range query. Records that hang off a matter or a deliberation
carry a copy of its locality code for the same reason. Decisions, escalations, ratings and
attendance are append-only: they are never edited, a new row records a change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from core.db import Base, UTCDateTime, utcnow
from core.events import emit
from core.models import Organization, Person
from core.models.scoped import LocalityScoped
from core.runtime import plugin_settings
from plugins.consultation.errors import clean_text
from plugins.consultation.events import WishFulfilled
from plugins.consultation.workflow import DELIBERATION_WORKFLOW, MATTER_WORKFLOW, WISH_WORKFLOW

SOURCES = {
    "resident": "居民反映",
    "grid_member": "网格员上报",
    "committee": "村（居）委会提出",
    "hotline": "热线转办",
}
"""Where a matter comes from."""

LEVELS = {"village": "村（社区）", "town": "乡镇（街道）", "county": "县"}
"""The level handling a matter: 小事不出村, 大事不出镇; escalation moves it one level up."""

ROLES = {"lead": "领办", "deliberate": "议办", "assist": "协办", "supervise": "督办"}
"""四办: who leads, deliberates, assists and supervises a matter."""

VERDICTS = {"satisfied": "满意", "partly": "基本满意", "not_satisfied": "不满意"}
"""Residents' evaluation of a resolved matter."""


class ConsultationMatter(LocalityScoped, Base):
    """A matter (协商事项) raised in a village: triaged, handled, resolved and rated."""

    __tablename__ = "consultation_matter"
    __workflow__ = MATTER_WORKFLOW
    __table_args__ = (
        Index("ix_consultation_matter_scope_submitted", "locality_code", "submitted_at"),
        Index("ix_consultation_matter_scope_resolved", "locality_code", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), comment="来源")
    category_code: Mapped[str] = mapped_column(String(20), comment="清单类别编码")
    item_code: Mapped[str] = mapped_column(String(20), comment="清单事项编码")
    default_triage: Mapped[str] = mapped_column(String(10), comment="清单默认分流类别")
    triage: Mapped[str | None] = mapped_column(String(10), comment="分流类别")
    triage_reason: Mapped[str | None] = mapped_column(String(200), comment="改变分流的理由")
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_person.id", ondelete="SET NULL"), index=True
    )
    is_public: Mapped[bool] = mapped_column(Boolean, default=True, comment="在门户公开")
    state: Mapped[str] = mapped_column(String(20), default=MATTER_WORKFLOW.initial)
    handling_level: Mapped[str] = mapped_column(String(10), default="village", comment="办理层级")
    due_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime, index=True, comment="办理时限（只有未办结的事项有）"
    )
    escalation_count: Mapped[int] = mapped_column(Integer, default=0)
    evaluation_round: Mapped[int] = mapped_column(Integer, default=1, comment="评议轮次")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    resolution: Mapped[str | None] = mapped_column(Text, comment="办理结果")
    guidance: Mapped[str | None] = mapped_column(Text, comment="私事告知的办理途径")
    reason: Mapped[str | None] = mapped_column(String(200), comment="最近一次操作的理由")
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    triaged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolve_seconds: Mapped[int | None] = mapped_column(Integer, comment="提交到办结的秒数")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    reporter: Mapped[Person | None] = relationship()
    assignments: Mapped[list[ConsultationAssignment]] = relationship(
        back_populates="matter", order_by="ConsultationAssignment.id"
    )

    @validates("title", "description")
    def _check_text(self, key: str, value: str) -> str:
        label, maximum = {"title": ("标题", 100), "description": ("内容", 5000)}[key]
        return clean_text(key, label, value, maximum)

    @property
    def village_code(self) -> str:
        """The village (or community) the matter belongs to: residents there may rate it."""
        return self.locality_code[:12]

    def on_transition(self, transition: Any, actor: Any, session: Session, reason: Any) -> None:
        """Keep timestamps, the time limit and the evaluation round in step with the state."""
        now = utcnow()
        if reason:
            self.reason = reason
        settings = plugin_settings(session, "consultation", self.locality_code)
        name = transition.name
        if name == "accept":
            self.accepted_at = now
        elif name == "triage":
            self.triaged_at = now
            if self.triage != "private":
                self.due_at = self.submitted_at + dt.timedelta(
                    days=settings["deadline_days"][self.triage]
                )
        elif name == "resolve":
            self.resolved_at = now
            self.resolve_seconds = int((now - self.submitted_at).total_seconds())
            self.due_at = None
        elif name == "reopen":
            self.evaluation_round += 1
            self.reopen_count += 1
            self.resolved_at = None
            self.resolve_seconds = None
            self.due_at = now + dt.timedelta(days=settings["deadline_days"][self.triage or "minor"])
        elif name in ("guide", "close", "reject"):
            self.closed_at = now
            self.due_at = None

    def __str__(self) -> str:
        return f"{self.title}（#{self.id}）"


class ConsultationAssignment(LocalityScoped, Base):
    """四办: an organisation leading, deliberating, assisting or supervising a matter."""

    __tablename__ = "consultation_assignment"
    __table_args__ = (UniqueConstraint("matter_id", "role", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_matter.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(12))
    organization_id: Mapped[int] = mapped_column(ForeignKey("core_organization.id"), index=True)
    level: Mapped[str] = mapped_column(String(10), comment="组织所在层级")
    note: Mapped[str | None] = mapped_column(String(200))
    assigned_by: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    matter: Mapped[ConsultationMatter] = relationship(back_populates="assignments")
    organization: Mapped[Organization] = relationship()

    def __str__(self) -> str:
        return f"{ROLES.get(self.role, self.role)}：{self.organization}"


class ConsultationTriageDecision(LocalityScoped, Base):
    """A triage decision (三事分流) on a matter: the first one and every later change."""

    __tablename__ = "consultation_triage_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_matter.id", ondelete="CASCADE"), index=True
    )
    previous: Mapped[str | None] = mapped_column(String(10), comment="此前的分流类别")
    triage: Mapped[str] = mapped_column(String(10))
    default_triage: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(200))
    lead_organization_id: Mapped[int | None] = mapped_column(ForeignKey("core_organization.id"))
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    matter: Mapped[ConsultationMatter] = relationship()
    lead_organization: Mapped[Organization | None] = relationship()


class ConsultationEscalation(LocalityScoped, Base):
    """An overdue matter moved one level up for supervision (督办); ``sequence`` counts per matter,
    and its uniqueness keeps two concurrent runs from escalating the same matter twice."""

    __tablename__ = "consultation_escalation"
    __table_args__ = (UniqueConstraint("matter_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_matter.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    from_level: Mapped[str] = mapped_column(String(10))
    to_level: Mapped[str] = mapped_column(String(10))
    overdue_since: Mapped[dt.datetime] = mapped_column(UTCDateTime, comment="原时限")
    new_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    escalated_by: Mapped[str] = mapped_column(String(100))
    escalated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    matter: Mapped[ConsultationMatter] = relationship()


class ConsultationRating(LocalityScoped, Base):
    """A resident's evaluation (群众评议) of a resolved matter, one per resident and round."""

    __tablename__ = "consultation_rating"
    __table_args__ = (
        UniqueConstraint("matter_id", "round", "person_id"),
        Index("ix_consultation_rating_scope_rated", "locality_code", "rated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_matter.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int] = mapped_column(Integer, comment="评议轮次")
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(String(500))
    recorded_by: Mapped[str] = mapped_column(String(100))
    rated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    matter: Mapped[ConsultationMatter] = relationship()
    person: Mapped[Person] = relationship()


class ConsultationAttachment(LocalityScoped, Base):
    """A file attached to a matter (photo, letter); kept in the database with its checksum."""

    __tablename__ = "consultation_attachment"
    __audit_masked__ = ("data",)

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_matter.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    matter: Mapped[ConsultationMatter] = relationship()


class ConsultationDeliberation(LocalityScoped, Base):
    """A deliberation meeting (议事协商): its form, time, place, agenda, attendance and minutes."""

    __tablename__ = "consultation_deliberation"
    __workflow__ = DELIBERATION_WORKFLOW
    __table_args__ = (Index("ix_consultation_deliberation_scope_held", "locality_code", "held_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    form: Mapped[str] = mapped_column(String(20), comment="议事形式")
    held_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, comment="召开时间")
    place: Mapped[str] = mapped_column(String(100), comment="地点")
    minutes: Mapped[str | None] = mapped_column(Text, comment="会议纪要")
    state: Mapped[str] = mapped_column(String(20), default=DELIBERATION_WORKFLOW.initial)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    agenda: Mapped[list[ConsultationAgendaItem]] = relationship(
        back_populates="deliberation", order_by="ConsultationAgendaItem.id"
    )

    @validates("title", "place")
    def _check_text(self, key: str, value: str) -> str:
        label = {"title": "会议名称", "place": "地点"}[key]
        return clean_text(key, label, value, 100)

    @property
    def scope_code(self) -> str:
        """Where attendees and agenda matters must come from: the deliberation's own locality,
        or its village when it is a group meeting (小组会)."""
        return self.locality_code[:12]

    def on_transition(self, transition: Any, actor: Any, session: Session, reason: Any) -> None:
        """Keep the cancellation reason; publishing the results emits
        ``consultation.deliberation_published`` (see :func:`deliberations.announce_results`)."""
        if reason:
            self.reason = reason
        if transition.name == "publish":
            from plugins.consultation.deliberations import announce_results

            announce_results(session, self)

    def __str__(self) -> str:
        return f"{self.title}（{self.form}）"


class ConsultationAgendaItem(LocalityScoped, Base):
    """A matter on a deliberation's agenda, with the outcome and an optional vote."""

    __tablename__ = "consultation_agenda_item"
    __table_args__ = (UniqueConstraint("deliberation_id", "matter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_deliberation.id", ondelete="CASCADE"), index=True
    )
    matter_id: Mapped[int] = mapped_column(ForeignKey("consultation_matter.id"), index=True)
    outcome: Mapped[str | None] = mapped_column(Text, comment="协商结果")
    votes_for: Mapped[int | None] = mapped_column(Integer, comment="赞成")
    votes_against: Mapped[int | None] = mapped_column(Integer, comment="反对")
    votes_abstain: Mapped[int | None] = mapped_column(Integer, comment="弃权")

    deliberation: Mapped[ConsultationDeliberation] = relationship(back_populates="agenda")
    matter: Mapped[ConsultationMatter] = relationship()

    @property
    def has_vote(self) -> bool:
        """Whether a vote was taken on this matter."""
        return self.votes_for is not None

    def __str__(self) -> str:
        return str(self.matter)


class ConsultationAttendee(LocalityScoped, Base):
    """Someone who attended a deliberation: a resident or an organisation. Never edited."""

    __tablename__ = "consultation_attendee"
    __table_args__ = (
        UniqueConstraint("deliberation_id", "person_id"),
        UniqueConstraint("deliberation_id", "organization_id"),
        CheckConstraint(
            "(person_id IS NULL) <> (organization_id IS NULL)", name="one_attendee_kind"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_deliberation.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("core_organization.id"))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    deliberation: Mapped[ConsultationDeliberation] = relationship()
    person: Mapped[Person | None] = relationship()
    organization: Mapped[Organization | None] = relationship()

    def __str__(self) -> str:
        return str(self.person or self.organization)


class ConsultationWish(LocalityScoped, Base):
    """A resident's micro-wish (微心愿) on the wish wall: claimed, fulfilled, then confirmed."""

    __tablename__ = "consultation_wish"
    __workflow__ = WISH_WORKFLOW
    __table_args__ = (Index("ix_consultation_wish_scope_posted", "locality_code", "posted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wisher_id: Mapped[int] = mapped_column(ForeignKey("core_person.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=WISH_WORKFLOW.initial, index=True)
    claimer_person_id: Mapped[int | None] = mapped_column(ForeignKey("core_person.id"))
    claimer_organization_id: Mapped[int | None] = mapped_column(ForeignKey("core_organization.id"))
    fulfilment_note: Mapped[str | None] = mapped_column(String(500), comment="实现情况")
    reason: Mapped[str | None] = mapped_column(String(200))
    posted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    fulfilled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    wisher: Mapped[Person] = relationship(foreign_keys=[wisher_id])
    claimer_person: Mapped[Person | None] = relationship(foreign_keys=[claimer_person_id])
    claimer_organization: Mapped[Organization | None] = relationship()

    @validates("title", "description")
    def _check_text(self, key: str, value: str) -> str:
        label, maximum = {"title": ("心愿", 100), "description": ("心愿说明", 2000)}[key]
        return clean_text(key, label, value, maximum)

    @property
    def claimer(self) -> Person | Organization | None:
        """Whoever claimed the wish."""
        return self.claimer_person or self.claimer_organization

    def on_transition(self, transition: Any, actor: Any, session: Session, reason: Any) -> None:
        """Timestamps; a released claim frees the wish; a confirmed wish emits ``WishFulfilled``."""
        now = utcnow()
        if reason:
            self.reason = reason
        name = transition.name
        if name == "claim":
            self.claimed_at = now
        elif name == "release":
            self.claimer_person_id = None
            self.claimer_organization_id = None
            self.claimed_at = None
        elif name == "fulfil":
            self.fulfilled_at = now
        elif name == "dispute":
            self.fulfilled_at = None
        elif name == "confirm":
            self.confirmed_at = now
            emit(
                session,
                WishFulfilled(
                    locality_code=self.locality_code,
                    wish_id=self.id,
                    wisher_person_id=self.wisher_id,
                    fulfiller_person_id=self.claimer_person_id,
                ),
            )

    def __str__(self) -> str:
        return self.title
