"""The domain events this plugin emits, for other plugins to react to (the points plugin awards
points for attendance and for fulfilled wishes).

Both are emitted inside the transaction that records the change. Their fields identify the
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
