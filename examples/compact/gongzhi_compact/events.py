"""The domain events this plugin emits, for other plugins to react to (a points rule rewarding a
village that adopts its compact, a notice service announcing a new one…).

Both are emitted in the transaction that records the step; their fields identify the occurrence
and nothing else, so :meth:`~core.events.DomainEvent.key` is stable.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from core.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class CompactAdopted(DomainEvent):
    """A deliberation adopted a version of a village's compact; ``locality_code`` is the
    village's."""

    name: ClassVar[str] = "compact.compact_adopted"
    version_id: int
    deliberation_id: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class CompactPublished(DomainEvent):
    """An adopted version was published and is now in force; ``superseded_version_id`` is the
    version it replaces (``None`` for a village's first compact)."""

    name: ClassVar[str] = "compact.compact_published"
    version_id: int
    superseded_version_id: int | None
