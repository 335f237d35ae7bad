"""What 村务监督 does, one module per practice; the admin, the API and the CLI all call these.

Every function validates fully before it writes, raises :class:`SupervisionError` (a
``ValueError`` with a Chinese message naming the field) or :class:`core.workflow.WorkflowError`,
and never commits: the caller's transaction commits or rolls back the whole change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.db import utcnow

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
NOW_KEY = "supervision.now"


class SupervisionError(ValueError):
    """Bad input or a forbidden action; the message says which field or rule, in Chinese."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def now(session: Session) -> dt.datetime:
    """The current time for records; ``session.info["supervision.now"]`` overrides it (the demo
    replays a year with it)."""
    return session.info.get(NOW_KEY) or utcnow()


def today(session: Session) -> dt.date:
    """Today's date in China (Asia/Shanghai)."""
    return now(session).astimezone(LOCAL_TZ).date()


def local_date(moment: dt.datetime) -> dt.date:
    """The date of ``moment`` in China."""
    return moment.astimezone(LOCAL_TZ).date()


def require_permission(actor: Any, permission: str, action: str) -> None:
    """Refuse unless ``actor`` holds ``permission``."""
    if not actor.has_permission(permission):
        raise SupervisionError(f"您没有{action}的权限")
