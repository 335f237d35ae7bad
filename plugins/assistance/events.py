"""Domain events the assistance plugin emits; other plugins react by matching ``event.name``."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from core.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class ApplicationApproved(DomainEvent):
    """An application was approved (低保, 特困, 临时救助 or 党内关爱资金)."""

    name: ClassVar[str] = "assistance.application_approved"
    application_id: int
    programme: str
    person_id: int
    household_id: int | None
    amount: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class EnrolmentEnded(DomainEvent):
    """A recurring enrolment (低保 or 特困) ended: the household or person left the programme."""

    name: ClassVar[str] = "assistance.enrolment_ended"
    enrolment_id: int
    programme: str
    person_id: int
    household_id: int | None
    reason: str
