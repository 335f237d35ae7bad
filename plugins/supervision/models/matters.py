"""四议两公开: major matters (重大事项) and the meetings of their four deliberations.

A matter moves in a fixed order: 党支部提议 → 两委商议 → 党员大会审议 → 村民代表会议决议 →
决议公开 → 实施结果公开. Each deliberation records its meeting (date, attendance, votes,
minutes). The villager representatives' meeting needs at least two thirds of the representatives
present and passes with more than half of those present (《村民委员会组织法》第二十六条); a
failed vote sends the matter back to proposal, in a new round.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    ForeignKey,
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
from plugins.supervision.models.common import LockedRecordError, clean_text, money
from plugins.supervision.models.constants import MATTER_CATEGORIES, MEETING_STEPS
from plugins.supervision.workflows import MATTER_WORKFLOW, STEP_OF_STATE


class MajorMatter(LocalityScoped, Base):
    """A major matter of a village decided through 四议两公开."""

    __tablename__ = "supervision_matter"
    __workflow__ = MATTER_WORKFLOW

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), comment="事项名称")
    category: Mapped[str] = mapped_column(String(20), comment="事项类别")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), comment="涉及金额（元）")
    description: Mapped[str | None] = mapped_column(Text, comment="事项内容")
    state: Mapped[str] = mapped_column(String(30), default=MATTER_WORKFLOW.initial)
    round: Mapped[int] = mapped_column(Integer, default=1, comment="第几轮提议")
    resolution: Mapped[str | None] = mapped_column(Text, comment="决议内容")
    result: Mapped[str | None] = mapped_column(Text, comment="实施结果")
    returned_reason: Mapped[str | None] = mapped_column(String(200), comment="退回理由")
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    meetings: Mapped[list[MatterMeeting]] = relationship(
        back_populates="matter",
        order_by="(MatterMeeting.round, MatterMeeting.held_on, MatterMeeting.id)",
    )

    @validates("title")
    def _check_title(self, _key: str, value: str) -> str:
        return clean_text(value, "事项名称", limit=100)

    @validates("category")
    def _check_category(self, _key: str, value: str) -> str:
        if value not in MATTER_CATEGORIES:
            raise ValueError(f"事项类别必须是 {'、'.join(MATTER_CATEGORIES)} 之一：{value}")
        return value

    @validates("amount")
    def _check_amount(self, _key: str, value: Any) -> Decimal | None:
        if value is None or value == "":
            return None
        amount = money(value, "涉及金额")
        if amount < 0:
            raise ValueError("涉及金额不能为负数")
        return amount

    @property
    def category_label(self) -> str:
        """The category in Chinese."""
        return MATTER_CATEGORIES.get(self.category, self.category)

    @property
    def state_label(self) -> str:
        """The state in Chinese."""
        return MATTER_WORKFLOW.states.get(self.state, self.state)

    @property
    def next_step(self) -> str | None:
        """The deliberation the matter needs next (``None`` once the four are done)."""
        return STEP_OF_STATE.get(self.state)

    def on_transition(self, transition: Any, actor: Any, session: Any, reason: Any) -> None:
        """A failed vote opens a new round; the two disclosures publish a disclosure."""
        from plugins.supervision.services import matters

        matters.after_matter_transition(self, transition, actor, session, reason)

    def __str__(self) -> str:
        return self.title


class MatterMeeting(Base):
    """The meeting of one deliberation step of a matter, in one round."""

    __tablename__ = "supervision_meeting"
    __table_args__ = (UniqueConstraint("matter_id", "round", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("supervision_matter.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[str] = mapped_column(String(20), comment="步骤")
    held_on: Mapped[dt.date] = mapped_column(Date, comment="会议日期")
    place: Mapped[str | None] = mapped_column(String(100), comment="会议地点")
    expected: Mapped[int] = mapped_column(Integer, comment="应到人数")
    present: Mapped[int] = mapped_column(Integer, comment="实到人数")
    votes_for: Mapped[int] = mapped_column(Integer, comment="赞成")
    votes_against: Mapped[int] = mapped_column(Integer, default=0, comment="反对")
    abstentions: Mapped[int] = mapped_column(Integer, default=0, comment="弃权")
    minutes: Mapped[str] = mapped_column(Text, comment="会议记录")
    passed: Mapped[bool] = mapped_column(default=False, comment="是否通过")
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    matter: Mapped[MajorMatter] = relationship(back_populates="meetings")

    @validates("step")
    def _check_step(self, _key: str, value: str) -> str:
        if value not in MEETING_STEPS:
            raise ValueError(f"步骤必须是 {'、'.join(MEETING_STEPS)} 之一：{value}")
        return value

    @property
    def step_label(self) -> str:
        """The step in Chinese (党支部提议…)."""
        return MEETING_STEPS.get(self.step, self.step)

    def refusal(self) -> str | None:
        """Why these figures cannot stand as a valid meeting of this step, or ``None``.

        Counts must add up; the villager representatives' meeting needs two thirds of the
        representatives present (《村民委员会组织法》第二十六条), the party members' meeting and
        the branch and joint committee meetings more than half of their members.
        """
        label = self.step_label
        numbers = {
            "应到人数": self.expected,
            "实到人数": self.present,
            "赞成票": self.votes_for,
            "反对票": self.votes_against,
            "弃权票": self.abstentions,
        }
        for name, value in numbers.items():
            if value is None or value < 0:
                return f"{label}：{name}必须是不小于 0 的整数"
        if self.expected < 1:
            return f"{label}：应到人数至少为 1"
        if self.present > self.expected:
            return f"{label}：实到人数 {self.present} 超过应到人数 {self.expected}"
        cast = self.votes_for + self.votes_against + self.abstentions
        if cast > self.present:
            return f"{label}：赞成、反对、弃权合计 {cast} 票，超过实到人数 {self.present}"
        if self.step == "representatives":
            if self.present * 3 < self.expected * 2:
                return (
                    f"村民代表会议应到 {self.expected} 人、实到 {self.present} 人，"
                    "不足三分之二，会议无效，不能表决（《村民委员会组织法》第二十六条）"
                )
        elif self.present * 2 <= self.expected:
            return f"{label}应到 {self.expected} 人、实到 {self.present} 人，未过半数，会议无效"
        return None

    def outcome_passed(self) -> bool:
        """Whether the vote passed: more than half of those present voted for it."""
        return self.refusal() is None and self.votes_for * 2 > self.present

    @classmethod
    def scope_clause(cls, scope_code: str) -> ColumnElement[bool]:
        """Meetings of matters within the scope."""
        return cls.matter_id.in_(select(MajorMatter.id).where(MajorMatter.scope_clause(scope_code)))

    def __str__(self) -> str:
        return f"{self.step_label}（{self.held_on}）"


@event.listens_for(MatterMeeting, "before_update")
@event.listens_for(MatterMeeting, "before_delete")
def _meetings_are_records(_mapper: Any, _connection: Any, target: Any) -> None:
    raise LockedRecordError("会议记录录入后不能修改或删除；如有错误，请在下一轮重新提议时如实记录")
