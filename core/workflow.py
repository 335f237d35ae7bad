"""One state-machine mechanism for every case-like record (claims, applications, vouchers…).

A model declares ``__workflow__ = Workflow(...)`` and a ``state`` column. :meth:`Workflow.apply`
checks that the transition starts from the record's state, that the actor holds the transition's
permission and that every guard passes, then moves the record and returns the new state. The admin
lists :meth:`Workflow.allowed` transitions as actions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy.orm import Session


class WorkflowError(Exception):
    """A transition that may not happen now; the message says why, in Chinese."""


class Actor(Protocol):
    """Whoever performs a transition: anything that can answer permission questions."""

    def has_permission(self, permission: str) -> bool: ...


Guard = Callable[[Any, Any, Session], str | None]
"""A guard receives (record, actor, session) and returns ``None`` to allow or a reason to refuse."""


@dataclasses.dataclass(frozen=True)
class Transition:
    """A named move from one of ``sources`` to ``target``."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    permission: str | None = None
    guards: tuple[Guard, ...] = ()
    needs_reason: bool = False


@dataclasses.dataclass(frozen=True)
class Workflow:
    """States (code → Chinese label), the initial state and the allowed transitions."""

    states: dict[str, str]
    initial: str
    transitions: Sequence[Transition]
    state_attribute: str = "state"

    def __post_init__(self) -> None:
        if self.initial not in self.states:
            raise ValueError(f"initial state {self.initial!r} is not a declared state")
        names = set()
        for t in self.transitions:
            if t.name in names:
                raise ValueError(f"transition {t.name!r} is declared twice")
            names.add(t.name)
            for state in (*t.sources, t.target):
                if state not in self.states:
                    raise ValueError(f"transition {t.name!r} names unknown state {state!r}")

    def transition(self, name: str) -> Transition:
        """The transition called ``name``; :class:`WorkflowError` if there is none."""
        for t in self.transitions:
            if t.name == name:
                return t
        raise WorkflowError(f"没有名为 {name} 的操作")

    def state_of(self, record: Any) -> str:
        """The record's current state code."""
        return getattr(record, self.state_attribute)

    def refusal(self, record: Any, name: str, actor: Actor, session: Session) -> str | None:
        """Why ``actor`` may not apply transition ``name`` to ``record`` now, or ``None``."""
        t = self.transition(name)
        state = self.state_of(record)
        if state not in t.sources:
            return f"当前状态为“{self.states.get(state, state)}”，不能执行“{t.label}”"
        if t.permission and not actor.has_permission(t.permission):
            return f"您没有执行“{t.label}”的权限"
        for guard in t.guards:
            reason = guard(record, actor, session)
            if reason:
                return reason
        return None

    def allowed(self, record: Any, actor: Actor, session: Session) -> list[Transition]:
        """The transitions ``actor`` may apply to ``record`` now, in declaration order."""
        return [t for t in self.transitions if self.refusal(record, t.name, actor, session) is None]

    def apply(
        self, record: Any, name: str, actor: Actor, session: Session, reason: str | None = None
    ) -> Transition:
        """Move ``record`` along transition ``name`` or raise :class:`WorkflowError` naming why.

        The caller commits; hooks into the change (events, ledger rows) belong in the same
        transaction, typically in the model's ``on_transition`` method, which is called with the
        transition, the actor, the session and the reason.
        """
        refusal = self.refusal(record, name, actor, session)
        if refusal:
            raise WorkflowError(refusal)
        t = self.transition(name)
        if t.needs_reason and not (reason and reason.strip()):
            raise WorkflowError(f"“{t.label}”必须填写理由")
        setattr(record, self.state_attribute, t.target)
        hook = getattr(record, "on_transition", None)
        if hook is not None:
            hook(t, actor, session, reason)
        return t

    def labels(self) -> Iterable[tuple[str, str]]:
        """(code, label) pairs for form choices."""
        return self.states.items()
