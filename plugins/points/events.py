"""Domain events the points plugin emits, for other plugins to react to by name."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from core.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClaimPosted(DomainEvent):
    """A claim (积分申报) was posted to the ledger: its holders received (or lost) points."""

    name: ClassVar[str] = "points.claim_posted"
    claim_id: int
    rule_code: str
    scheme: str
    points_each: int
    person_ids: list[int]
    organization_ids: list[int]
