"""The suggestion box's tables: suggestions with a workflow, and greetings sent to new residents."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow
from core.models.scoped import LocalityScoped
from core.workflow import Transition, Workflow

SUGGESTION_WORKFLOW = Workflow(
    states={
        "submitted": "已提交",
        "accepted": "已受理",
        "answered": "已答复",
        "rejected": "不予受理",
    },
    initial="submitted",
    transitions=[
        Transition("accept", "受理", ("submitted",), "accepted", "example.suggestion.handle"),
        Transition(
            "reject",
            "不予受理",
            ("submitted",),
            "rejected",
            "example.suggestion.handle",
            needs_reason=True,
        ),
        Transition(
            "answer",
            "答复",
            ("accepted",),
            "answered",
            "example.suggestion.answer",
            guards=(lambda record, actor, session: None if record.answer else "请先填写答复内容",),
        ),
    ],
)


class Suggestion(LocalityScoped, Base):
    """A resident's suggestion to the village, answered in public."""

    __tablename__ = "example_suggestion"
    __workflow__ = SUGGESTION_WORKFLOW

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=SUGGESTION_WORKFLOW.initial)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def on_transition(self, transition, actor, session, reason) -> None:
        """Keep the refusal reason with the record."""
        if reason:
            self.reason = reason

    def __str__(self) -> str:
        return self.title


class Greeting(Base):
    """A welcome note recorded for every newly registered resident (reacting to an event)."""

    __tablename__ = "example_greeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id", ondelete="CASCADE"))
    locality_code: Mapped[str] = mapped_column(String(15))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
