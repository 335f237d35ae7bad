"""Typed domain events: emitted inside the writer's transaction, stored, and dispatched to plugins.

A plugin defines an event as a frozen dataclass subclassing :class:`DomainEvent` with a unique
``name``; :func:`emit` stores it in the event log and calls every plugin's ``on_event`` hook in
the same session, so the reaction commits or rolls back together with the change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, ClassVar

from sqlalchemy import JSON, ColumnElement, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, UTCDateTime, utcnow
from core.localities import within


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base class of domain events. Subclasses set ``name`` (``"plugin.thing_happened"``).

    ``locality_code`` places the event in the tree, so reactions can honour per-locality settings.
    """

    name: ClassVar[str] = "core.event"
    locality_code: str

    def payload(self) -> dict[str, Any]:
        """The event's fields as JSON-compatible data, for the event log."""
        return json.loads(json.dumps(dataclasses.asdict(self), default=str))

    def key(self) -> str:
        """A stable identity of what happened: the name and the fields, canonically.

        Reactions that must happen exactly once (awarding points for an attendance) store it
        under a unique constraint, so emitting the same occurrence twice has no second effect.
        """
        fields = json.dumps(
            self.payload(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        return f"{self.name}:{fields}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class PersonRegistered(DomainEvent):
    """A resident was added to the register (by the admin, the API or an import)."""

    name: ClassVar[str] = "core.person_registered"
    person_id: int


class EventRecord(Base):
    """The stored event log: one row per emitted event, written in the emitter's transaction."""

    __tablename__ = "core_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    locality_code: Mapped[str] = mapped_column(String(15), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor: Mapped[str | None] = mapped_column(String(100))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def scope_clause(cls, scope_code: str) -> ColumnElement[bool]:
        """Events that happened at or under ``scope_code``."""
        return within(cls.locality_code, scope_code)


def emit(session: Session, event: DomainEvent) -> EventRecord:
    """Record ``event`` and dispatch it to the ``on_event`` hook of every plugin running at the
    event's locality (plugins switched off there by ``[coverage]`` do not react).

    Runs inside the caller's transaction: if a reaction raises, the whole change rolls back.
    The session must come from a Gongzhi :class:`~core.db.Database` carrying the plugin manager.
    """
    record = EventRecord(
        name=event.name,
        locality_code=event.locality_code,
        payload=event.payload(),
        actor=session.info.get("actor"),
    )
    session.add(record)  # flushed with the caller's next flush; reactions' queries autoflush
    plugins = session.info.get("plugins")
    if plugins is not None:
        plugins.hook_at(event.locality_code, "on_event")(event=event, session=session)
    return record
