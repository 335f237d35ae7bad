"""The tables of 社会救助.

Case records (applications, verification tasks, enrolments, reviews, leads) carry a workflow;
ledgers (payments, care-fund entries, assessments) are append-only: a correction is a new row.
Every record carries the ``locality_code`` of the household or person it concerns, so the admin,
the API and exports are filtered by the account's scope with an indexed range query.

Uniqueness that the practice demands is enforced by the database, not only by code: a nullable
"key" column holds a value while the record is open or active and ``NULL`` afterwards, under a
unique constraint (NULLs never collide on SQLite or PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from core.db import Base, UTCDateTime
from core.identity import mask_id_number
from core.models import Household, Person
from core.models.scoped import LocalityScoped
from plugins.assistance import clock
from plugins.assistance.programmes import (
    CARE_CAUSES,
    CARE_LEVELS,
    CATEGORIES,
    CHANNELS,
    LEAD_KINDS,
    LEAD_SOURCES,
    TEMPORARY_KINDS,
    check_label,
    programme_title,
)
from plugins.assistance.workflow import (
    APPLICATION_WORKFLOW,
    ENROLMENT_WORKFLOW,
    LEAD_WORKFLOW,
    REVIEW_WORKFLOW,
    TASK_WORKFLOW,
)

Money = Numeric(14, 2)


def _now() -> dt.datetime:
    """Default timestamps come from the plugin's clock (so tests can move time)."""
    return clock.now()


def mask_name(name: str | None) -> str:
    """A name for public notices: the surname and one star per other character (张*, 欧阳**)."""
    name = (name or "").strip()
    if not name:
        return ""
    surname_length = 2 if len(name) >= 4 else 1
    return name[:surname_length] + "*" * (len(name) - surname_length)


class AssistanceStandard(LocalityScoped, Base):
    """救助标准: a programme's monthly amounts for a locality from a date on.

    The most specific locality wins (a community's own standard over the county's), then the
    latest ``effective_from`` not after the day assessed. For 低保 and 临时救助 ``monthly_standard``
    is the 低保标准 per person per month; for 特困 it is the basic living standard, and the three
    care amounts are the monthly care allowances by care level.
    """

    __tablename__ = "assistance_standard"
    __table_args__ = (
        UniqueConstraint("programme", "locality_code", "effective_from"),
        CheckConstraint("monthly_standard > 0", name="monthly_standard_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(30))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    monthly_standard: Mapped[Decimal] = mapped_column(Money)
    care_self: Mapped[Decimal | None] = mapped_column(Money, comment="生活自理护理补贴")
    care_partial: Mapped[Decimal | None] = mapped_column(Money, comment="部分失能护理补贴")
    care_full: Mapped[Decimal | None] = mapped_column(Money, comment="完全失能护理补贴")
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    def care_allowance(self, level: str | None) -> Decimal | None:
        """The monthly care allowance for a care level."""
        return {
            "self_care": self.care_self,
            "partial": self.care_partial,
            "full": self.care_full,
        }.get(level or "")

    def __str__(self) -> str:
        title = programme_title(self.programme)
        return f"{title} {self.monthly_standard} 元（{self.effective_from} 起）"


class AssistanceLead(LocalityScoped, Base):
    """主动发现线索: a person or household flagged as possibly in need, before any application.

    Raised by staff (a flag: serious illness, disaster, sudden loss of income), by a domain event
    of another plugin, or by an imported list (a hospital's large out-of-pocket expenses).
    ``source_key`` makes an event or a list line raise at most one lead.
    """

    __tablename__ = "assistance_lead"
    __workflow__ = LEAD_WORKFLOW

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("core_household.id"))
    kind: Mapped[str] = mapped_column(String(30))
    programme: Mapped[str | None] = mapped_column(String(30), comment="建议救助项目")
    source: Mapped[str] = mapped_column(String(20), default="flag")
    source_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal | None] = mapped_column(Money)
    state: Mapped[str] = mapped_column(String(20), default=LEAD_WORKFLOW.initial, index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    raised_by: Mapped[str | None] = mapped_column(String(100))

    person: Mapped[Person] = relationship()
    household: Mapped[Household | None] = relationship()
    applications: Mapped[list[AssistanceApplication]] = relationship(back_populates="lead")

    @property
    def kind_label(self) -> str:
        """The kind in Chinese."""
        return LEAD_KINDS.get(self.kind, self.kind)

    @property
    def source_label(self) -> str:
        """Where the lead came from, in Chinese."""
        return LEAD_SOURCES.get(self.source, self.source)

    def on_transition(self, transition: Any, actor: Any, session: Any, reason: str | None) -> None:
        """Converting opens an application (主动发现); dismissing keeps the reason."""
        from plugins.assistance.leads import after_lead_transition

        after_lead_transition(self, transition, actor, session, reason)

    def __str__(self) -> str:
        return f"线索#{self.id} {self.kind_label}"


class AssistanceApplication(LocalityScoped, Base):
    """救助申请: one case of one programme for a household (低保, 临时救助) or a person.

    ``open_key`` holds ``programme:subject`` while the case is open, so the database refuses a
    second open application of the same household or person for the same programme.
    """

    __tablename__ = "assistance_application"
    __workflow__ = APPLICATION_WORKFLOW
    __audit_masked__ = ("payee_account",)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(30), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("core_person.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("core_household.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("assistance_lead.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=APPLICATION_WORKFLOW.initial, index=True)
    open_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    category: Mapped[str | None] = mapped_column(String(20), comment="低保分类")
    care_level: Mapped[str | None] = mapped_column(String(20), comment="特困护理等级")
    temporary_kind: Mapped[str | None] = mapped_column(String(20), comment="临时救助类型")
    cause: Mapped[str | None] = mapped_column(String(20), comment="关爱资金原因")
    claimed_amount: Mapped[Decimal | None] = mapped_column(Money, comment="申报金额")
    statement: Mapped[str] = mapped_column(Text, default="", comment="申请事由")
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    accepted_by: Mapped[str | None] = mapped_column(String(100))
    accepted_office: Mapped[str | None] = mapped_column(String(15), comment="受理窗口所在区划")
    eligible: Mapped[bool | None] = mapped_column(Boolean)
    amount: Mapped[Decimal | None] = mapped_column(Money, comment="评估金额")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    payee_bank: Mapped[str | None] = mapped_column(String(50), comment="收款银行")
    payee_account: Mapped[str | None] = mapped_column(String(40), comment="收款账号")

    applicant: Mapped[Person] = relationship(foreign_keys=[applicant_id])
    household: Mapped[Household | None] = relationship()
    lead: Mapped[AssistanceLead | None] = relationship(back_populates="applications")
    members: Mapped[list[AssistanceMember]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="AssistanceMember.id"
    )
    consents: Mapped[list[AssistanceConsent]] = relationship(
        back_populates="application", order_by="AssistanceConsent.id"
    )
    tasks: Mapped[list[AssistanceTask]] = relationship(
        back_populates="application", order_by="AssistanceTask.id"
    )
    assessments: Mapped[list[AssistanceAssessment]] = relationship(
        back_populates="application", order_by="AssistanceAssessment.id"
    )
    notices: Mapped[list[AssistanceNotice]] = relationship(
        back_populates="application", order_by="AssistanceNotice.id"
    )
    objections: Mapped[list[AssistanceObjection]] = relationship(
        back_populates="application", order_by="AssistanceObjection.id"
    )

    @property
    def programme_title(self) -> str:
        """The programme in Chinese."""
        return programme_title(self.programme)

    @property
    def channel_label(self) -> str:
        """How it arrived, in Chinese."""
        return CHANNELS.get(self.channel, self.channel)

    @property
    def detail_label(self) -> str:
        """The programme-specific detail (category, care level, kind, cause) in Chinese."""
        parts = [
            CATEGORIES.get(self.category or ""),
            CARE_LEVELS.get(self.care_level or ""),
            TEMPORARY_KINDS.get(self.temporary_kind or ""),
            CARE_CAUSES.get(self.cause or ""),
        ]
        return "、".join(p for p in parts if p)

    @property
    def latest_assessment(self) -> AssistanceAssessment | None:
        """The most recent assessment, if any."""
        return self.assessments[-1] if self.assessments else None

    @property
    def open_notice(self) -> AssistanceNotice | None:
        """The notice currently running for this case, if any."""
        for notice in reversed(self.notices):
            if notice.closed_at is None:
                return notice
        return None

    def on_transition(self, transition: Any, actor: Any, session: Any, reason: str | None) -> None:
        """Carry out what each step means (tasks, assessment, notice, enrolment…)."""
        from plugins.assistance.cases import after_application_transition

        after_application_transition(self, transition, actor, session, reason)

    def __str__(self) -> str:
        return f"{self.programme_title}申请#{self.id}"


class AssistanceMember(Base):
    """计入人员: a person counted in a case (the household members of 低保, the 特困 person).

    ``lock_person_id`` holds the person's id while the case is open or its enrolment active,
    under a unique constraint per programme: nobody is counted in two households' allowance.
    """

    __tablename__ = "assistance_member"
    __table_args__ = (UniqueConstraint("programme", "lock_person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("assistance_application.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id"), index=True)
    programme: Mapped[str] = mapped_column(String(30))
    lock_person_id: Mapped[int | None] = mapped_column(Integer)

    application: Mapped[AssistanceApplication] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()

    @classmethod
    def scope_clause(cls, scope_code: str) -> ColumnElement[bool]:
        """Members of cases within the scope."""
        from sqlalchemy import select

        cases = select(AssistanceApplication.id).where(
            AssistanceApplication.scope_clause(scope_code)
        )
        return cls.application_id.in_(cases)


class AssistanceConsent(LocalityScoped, Base):
    """授权书 (一证一书's 书): the signed authorisation to check a household's income and assets."""

    __tablename__ = "assistance_consent"
    __audit_masked__ = ("file_content",)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("assistance_application.id"), index=True)
    signer_name: Mapped[str] = mapped_column(String(50))
    signer_relation: Mapped[str] = mapped_column(String(20), default="本人")
    signed_on: Mapped[dt.date] = mapped_column(Date)
    scope: Mapped[list[str]] = mapped_column(JSON, default=list, comment="授权核对的项目")
    file_name: Mapped[str] = mapped_column(String(200))
    file_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int] = mapped_column(Integer)
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    recorded_by: Mapped[str | None] = mapped_column(String(100))

    application: Mapped[AssistanceApplication] = relationship(back_populates="consents")

    @property
    def scope_label(self) -> str:
        """The authorised checks in Chinese."""
        return "、".join(check_label(c) for c in self.scope or [])

    def __str__(self) -> str:
        return f"授权书#{self.id}（{self.signer_name}，{self.signed_on}）"


class AssistanceTask(LocalityScoped, Base):
    """核对任务: one check of one case, assigned to a department, with a due date.

    The task ends with a figure (a monthly income or an asset value), a verdict and the evidence,
    entered by staff or filled in by a data source.
    """

    __tablename__ = "assistance_task"
    __workflow__ = TASK_WORKFLOW

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("assistance_application.id"), index=True)
    objection_id: Mapped[int | None] = mapped_column(ForeignKey("assistance_objection.id"))
    task_key: Mapped[str] = mapped_column(String(60), unique=True)
    check: Mapped[str] = mapped_column(String(20), index=True)
    department: Mapped[str] = mapped_column(String(100), index=True)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(20), default=TASK_WORKFLOW.initial, index=True)
    source: Mapped[str | None] = mapped_column(String(30))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    verdict: Mapped[str | None] = mapped_column(String(100))
    evidence: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    application: Mapped[AssistanceApplication] = relationship(back_populates="tasks")
    objection: Mapped[AssistanceObjection | None] = relationship(foreign_keys=[objection_id])

    @property
    def check_label(self) -> str:
        """The check in Chinese."""
        return check_label(self.check)

    def on_transition(self, transition: Any, actor: Any, session: Any, reason: str | None) -> None:
        """Record who completed the task, or fetch the finding from the data sources."""
        from plugins.assistance.verification import after_task_transition

        after_task_transition(self, transition, actor, session, reason)

    def __str__(self) -> str:
        return f"核对任务#{self.id} {self.check_label}"


class AssistanceAssessment(LocalityScoped, Base):
    """评估: eligibility and amount computed from the verified figures, with the working shown.

    Append-only: a new assessment (after an objection, say) is a new row.
    """

    __tablename__ = "assistance_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("assistance_application.id"), index=True)
    eligible: Mapped[bool] = mapped_column(Boolean)
    amount: Mapped[Decimal] = mapped_column(Money)
    breakdown: Mapped[str] = mapped_column(Text, comment="计算过程")
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    created_by: Mapped[str | None] = mapped_column(String(100))

    application: Mapped[AssistanceApplication] = relationship(back_populates="assessments")

    def __str__(self) -> str:
        verdict = "符合" if self.eligible else "不符合"
        return f"评估#{self.id}：{verdict}，{self.amount} 元"


class AssistanceNotice(LocalityScoped, Base):
    """公示: a proposed recipient shown on the portal for the notice period (names masked)."""

    __tablename__ = "assistance_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("assistance_application.id"), index=True)
    programme: Mapped[str] = mapped_column(String(30))
    masked_name: Mapped[str] = mapped_column(String(50))
    persons: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    starts_on: Mapped[dt.date] = mapped_column(Date, index=True)
    ends_on: Mapped[dt.date] = mapped_column(Date, index=True)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    published_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(String(200))

    application: Mapped[AssistanceApplication] = relationship(back_populates="notices")

    def __str__(self) -> str:
        return f"公示#{self.id}（{self.starts_on} 至 {self.ends_on}）"


class AssistanceObjection(LocalityScoped, Base):
    """公示异议: an objection received during a notice; it sends the case back to verification."""

    __tablename__ = "assistance_objection"
    __audit_masked__ = ("contact",)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("assistance_application.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("assistance_notice.id"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(Text)
    objector: Mapped[str | None] = mapped_column(String(50), comment="异议人（可匿名）")
    contact: Mapped[str | None] = mapped_column(String(50))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    recorded_by: Mapped[str | None] = mapped_column(String(100))

    application: Mapped[AssistanceApplication] = relationship(back_populates="objections")
    notice: Mapped[AssistanceNotice] = relationship()

    def __str__(self) -> str:
        return f"异议#{self.id}（{self.received_on}）"


class AssistanceEnrolment(LocalityScoped, Base):
    """救助对象: an approved recurring case, paid monthly from ``start_on`` until it ends.

    ``active_key`` holds ``programme:subject`` while the enrolment is active or suspended, so a
    household or person has at most one active enrolment per programme.
    """

    __tablename__ = "assistance_enrolment"
    __workflow__ = ENROLMENT_WORKFLOW
    __audit_masked__ = ("payee_account",)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("assistance_application.id"), unique=True
    )
    programme: Mapped[str] = mapped_column(String(30), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("core_household.id"))
    category: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=ENROLMENT_WORKFLOW.initial, index=True)
    active_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    start_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    monthly_amount: Mapped[Decimal] = mapped_column(Money)
    persons: Mapped[int] = mapped_column(Integer, comment="计入保障人数")
    payee_bank: Mapped[str | None] = mapped_column(String(50))
    payee_account: Mapped[str | None] = mapped_column(String(40))
    end_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    application: Mapped[AssistanceApplication] = relationship()
    person: Mapped[Person] = relationship()
    household: Mapped[Household | None] = relationship()
    reviews: Mapped[list[AssistanceReview]] = relationship(
        back_populates="enrolment", order_by="AssistanceReview.due_on"
    )

    @property
    def programme_title(self) -> str:
        """The programme in Chinese."""
        return programme_title(self.programme)

    @property
    def masked_payee_account(self) -> str:
        """The bank account with all but its last four digits hidden."""
        account = self.payee_account or ""
        return ("*" * max(0, len(account) - 4) + account[-4:]) if account else ""

    def on_transition(self, transition: Any, actor: Any, session: Any, reason: str | None) -> None:
        """Suspending, resuming and ending an enrolment."""
        from plugins.assistance.enrolments import after_enrolment_transition

        after_enrolment_transition(self, transition, actor, session, reason)

    def __str__(self) -> str:
        return f"{self.programme_title}对象#{self.id}"


class AssistanceReview(LocalityScoped, Base):
    """复核: a periodic check of an enrolment, due on a date; continue, adjust, suspend or exit."""

    __tablename__ = "assistance_review"
    __workflow__ = REVIEW_WORKFLOW

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("assistance_enrolment.id"), index=True)
    open_key: Mapped[int | None] = mapped_column(Integer, unique=True)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(20), default=REVIEW_WORKFLOW.initial, index=True)
    new_amount: Mapped[Decimal | None] = mapped_column(Money, comment="调整后月金额")
    findings: Mapped[str | None] = mapped_column(Text, comment="复核情况")
    outcome: Mapped[str | None] = mapped_column(String(20))
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(100))

    enrolment: Mapped[AssistanceEnrolment] = relationship(back_populates="reviews")

    def on_transition(self, transition: Any, actor: Any, session: Any, reason: str | None) -> None:
        """Apply the outcome to the enrolment and schedule the next review."""
        from plugins.assistance.enrolments import after_review_transition

        after_review_transition(self, transition, actor, session, reason)

    def __str__(self) -> str:
        return f"复核#{self.id}（应于 {self.due_on} 前）"


class AssistanceBatch(LocalityScoped, Base):
    """发放批次: one month's payments for a county (or wider) scope; one per scope and month.

    The lines are written set-based; ``digest`` (SHA-256 over the lines) and the totals are on
    this audited row, so any later change to a line is detectable.
    """

    __tablename__ = "assistance_batch"
    __table_args__ = (UniqueConstraint("locality_code", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    line_count: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(Money)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    created_by: Mapped[str | None] = mapped_column(String(100))
    exported_count: Mapped[int] = mapped_column(Integer, default=0)
    last_exported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_exported_by: Mapped[str | None] = mapped_column(String(100))

    def __str__(self) -> str:
        return f"{self.period} 发放批次"


class AssistanceAdjustment(LocalityScoped, Base):
    """发放调整: a reversal (冲正) of a paid line or a supplement (补发), with its reason.

    Settled by the next monthly batch, which writes it as a payment line.
    """

    __tablename__ = "assistance_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("assistance_application.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("assistance_enrolment.id"))
    reverses_payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assistance_payment.id"), unique=True
    )
    programme: Mapped[str] = mapped_column(String(30))
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(500))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    requested_by: Mapped[str | None] = mapped_column(String(100))

    def __str__(self) -> str:
        return f"发放调整#{self.id}（{self.amount} 元）"


class AssistancePayment(LocalityScoped, Base):
    """发放记录: one line of a batch. Append-only; corrections are adjustment lines.

    ``monthly_key`` (enrolment and month) and ``award_application_id`` (a one-off grant) are
    unique: nothing is paid twice, even by two batches racing.
    """

    __tablename__ = "assistance_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("assistance_batch.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    programme: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(20))
    application_id: Mapped[int] = mapped_column(ForeignKey("assistance_application.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assistance_enrolment.id"), index=True
    )
    monthly_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    award_application_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    adjustment_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id"))
    persons: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    batch: Mapped[AssistanceBatch] = relationship()
    person: Mapped[Person] = relationship()

    KIND_LABELS = {"monthly": "按月发放", "one_off": "一次性救助", "adjustment": "发放调整"}

    def __str__(self) -> str:
        return f"发放#{self.id}（{self.period}，{self.amount} 元）"


class AssistanceCoverage(LocalityScoped, Base):
    """保障统计: households, persons and money paid per programme and locality, per batch.

    Written with the batch, so coverage figures (应保尽保) are sums over this small table and
    never a scan of the whole payment ledger.
    """

    __tablename__ = "assistance_coverage"
    __table_args__ = (UniqueConstraint("batch_id", "programme", "locality_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("assistance_batch.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    programme: Mapped[str] = mapped_column(String(30))
    households: Mapped[int] = mapped_column(Integer)
    persons: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


class CareFund(LocalityScoped, Base):
    """党内关爱资金: the fund's maintained balance. It can never go below zero.

    Grants take money with a conditional ``UPDATE … WHERE balance >= amount``; the check
    constraint is a second line of defence.
    """

    __tablename__ = "assistance_care_fund"
    __table_args__ = (
        UniqueConstraint("locality_code"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    balance: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    raised: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    granted: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)

    def __str__(self) -> str:
        return self.name


class CareFundEntry(LocalityScoped, Base):
    """关爱资金台账: a contribution, a grant or a reversal; append-only, with the balance after."""

    __tablename__ = "assistance_care_fund_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("assistance_care_fund.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money)
    balance_after: Mapped[Decimal] = mapped_column(Money)
    grant_application_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    reverses_entry_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("assistance_application.id"))
    note: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    created_by: Mapped[str | None] = mapped_column(String(100))

    fund: Mapped[CareFund] = relationship()

    KIND_LABELS = {"raise": "筹集", "grant": "资助", "reversal": "冲正"}

    def __str__(self) -> str:
        return f"关爱资金台账#{self.id}"


class AssistanceSourceUpload(LocalityScoped, Base):
    """核对数据文件: a department's CSV of identity numbers and figures for one check."""

    __tablename__ = "assistance_source_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    check: Mapped[str] = mapped_column(String(20))
    department: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    rows: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer, default=0, comment="据此完成的核对任务数")
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    uploaded_by: Mapped[str | None] = mapped_column(String(100))

    def __str__(self) -> str:
        return f"{check_label(self.check)}核对文件 {self.file_name}"


class AssistanceSourceRecord(Base):
    """One line of an uploaded file: a person's figure for a check. Identity numbers are masked
    in the audit log and never shown in full."""

    __tablename__ = "assistance_source_record"
    __audit_masked__ = ("id_number",)
    __table_args__ = (Index("ix_assistance_source_record_lookup", "check", "id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("assistance_source_upload.id"), index=True)
    check: Mapped[str] = mapped_column(String(20))
    id_number: Mapped[str] = mapped_column(String(18))
    amount: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(String(200))

    upload: Mapped[AssistanceSourceUpload] = relationship()

    @property
    def masked_id_number(self) -> str:
        """The identity number with its middle hidden."""
        return mask_id_number(self.id_number)
