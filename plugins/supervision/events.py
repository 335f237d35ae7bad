"""Domain events 村务监督 emits, for other plugins to react to (points for taking part, say).

Each is emitted with :func:`core.events.emit` inside the transaction of the change it reports.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from core.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class VoucherBooked(DomainEvent):
    """A voucher was booked by the entrusted accountant; ``amount`` is signed text (元)."""

    name: ClassVar[str] = "supervision.voucher_booked"
    voucher_id: int
    account_id: int
    kind: str
    amount: str
    period: str
    reverses_id: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class MeetingHeld(DomainEvent):
    """A deliberation of 四议两公开 took place (党支部提议…村民代表会议决议)."""

    name: ClassVar[str] = "supervision.meeting_held"
    matter_id: int
    meeting_id: int
    step: str
    round: int
    passed: bool
    present: int
    expected: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class MatterAdvanced(DomainEvent):
    """A major matter moved to a new state of 四议两公开."""

    name: ClassVar[str] = "supervision.matter_advanced"
    matter_id: int
    state: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class DisclosurePublished(DomainEvent):
    """A disclosure was published (``amends_id`` names the one it corrects, if any)."""

    name: ClassVar[str] = "supervision.disclosure_published"
    disclosure_id: int
    category: str
    title: str
    amends_id: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class RatingCast(DomainEvent):
    """A household rated its village's cadres (村民直评村官); ``person_id`` cast the ballot."""

    name: ClassVar[str] = "supervision.rating_cast"
    campaign_id: int
    household_id: int
    cadres: int
    person_id: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class FindingVerified(DomainEvent):
    """An inspection finding was rectified and verified (销号)."""

    name: ClassVar[str] = "supervision.finding_verified"
    finding_id: int
    round_id: int
