"""The plugin's notion of "now" and "today" in the deployment's time zone.

Everything time-dependent (notice periods, due dates, overdue reviews) asks this module, so tests
can move time forward by replacing :func:`now`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.db import utcnow

DEFAULT_TIMEZONE = "Asia/Shanghai"


def now() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return utcnow()


def timezone_of(session: Session | None) -> ZoneInfo:
    """The deployment's time zone (from its config), Asia/Shanghai if unknown."""
    runtime = session.info.get("runtime") if session is not None else None
    name = getattr(getattr(runtime, "config", None), "timezone", None) or DEFAULT_TIMEZONE
    return ZoneInfo(name)


def today(session: Session | None = None) -> dt.date:
    """Today's date where the deployment is."""
    return now().astimezone(timezone_of(session)).date()


def month_of(day: dt.date) -> str:
    """The period ``YYYY-MM`` that ``day`` falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """The first and last day of the period ``YYYY-MM``; ``ValueError`` in Chinese otherwise."""
    value = (text or "").strip()
    try:
        year, month = (int(part) for part in value.split("-"))
        first = dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise ValueError(f"发放月份格式应为 YYYY-MM（如 2026-03）：{value!r}") from None
    if len(value) != 7 or not 2000 <= year <= 2100:
        raise ValueError(f"发放月份格式应为 YYYY-MM（如 2026-03）：{value!r}")
    return first, add_months(first, 1) - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months (clamped to the month's last day)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")
