"""The domain events this plugin emits, for other plugins to react to (the points plugin awards
points for attendance and for fulfilled wishes, the compact plugin adopts a village compact by the
vote of the meeting whose results are published).

All are emitted inside the transaction that records the change. Their fields identify the
occurrence and nothing else (no timestamps), so the same attendance recorded again gives an event
with the same :meth:`~core.events.DomainEvent.key`, and a reaction stored under that key happens
exactly once.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from core.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeliberationAttended(DomainEvent):
    """A resident attended a deliberation; ``locality_code`` is the deliberation's locality."""

    name: ClassVar[str] = "consultation.deliberation_attended"
    person_id: int
    deliberation_id: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class WishFulfilled(DomainEvent):
    """The wisher confirmed that a micro-wish came true; ``fulfiller_person_id`` is ``None`` when
    an organisation (a merchant, a social organisation) fulfilled it."""

    name: ClassVar[str] = "consultation.wish_fulfilled"
    wish_id: int
    wisher_person_id: int
    fulfiller_person_id: int | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class AgendaOutcome:
    """The published outcome of one matter on a deliberation's agenda: the 协商结果 and, when the
    meeting voted on it, the counts (all three ``None`` when there was no vote)."""

    matter_id: int
    outcome: str
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeliberationPublished(DomainEvent):
    """A deliberation's results were published (公开协商结果): from now on its attendance, outcomes
    and votes are final. ``locality_code`` is the meeting's, ``present`` the number of attendees
    recorded (residents and organisations, the base of "more than half of those present"), and
    ``agenda`` holds one :class:`AgendaOutcome` per agenda matter, in agenda order."""

    name: ClassVar[str] = "consultation.deliberation_published"
    deliberation_id: int
    present: int
    agenda: tuple[AgendaOutcome, ...]
