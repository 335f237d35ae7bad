"""Dates and periods in the deployment's time zone: months (``2026-03``) and years (``2026``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.db import utcnow

DEFAULT_TIMEZONE = "Asia/Shanghai"


def timezone(session: Session) -> ZoneInfo:
    """The deployment's time zone (Asia/Shanghai unless configured otherwise)."""
    runtime = session.info.get("runtime")
    name = getattr(getattr(runtime, "config", None), "timezone", None) or DEFAULT_TIMEZONE
    return ZoneInfo(name)


def now(session: Session) -> dt.datetime:
    """The current moment (aware, UTC): the one clock the plugin stamps records with."""
    return utcnow()


def today(session: Session) -> dt.date:
    """Today's date where the deployment is."""
    return now(session).astimezone(timezone(session)).date()


def local_date(session: Session, moment: dt.datetime) -> dt.date:
    """The deployment's calendar date of an aware ``moment``."""
    return moment.astimezone(timezone(session)).date()


def month_key(day: dt.date) -> str:
    """``2026-03`` for any day of March 2026."""
    return f"{day.year:04d}-{day.month:02d}"


def year_key(day: dt.date) -> str:
    """``2026`` for any day of 2026."""
    return f"{day.year:04d}"


def cap_period_key(cap_period: str, day: dt.date) -> str:
    """The key of the cap period (month or year) containing ``day``."""
    return month_key(day) if cap_period == "month" else year_key(day)


def months_before(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` months before ``day``'s month."""
    index = day.year * 12 + (day.month - 1) - months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_period(text: str) -> str:
    """Validate a ranking period: ``all``, a year ``2026`` or a month ``2026-03``."""
    text = (text or "").strip()
    if text == "all":
        return text
    try:
        if len(text) == 4:
            dt.date(int(text), 1, 1)
            return text
        if len(text) == 7 and text[4] == "-":
            dt.date(int(text[:4]), int(text[5:]), 1)
            return text
    except ValueError:
        pass
    raise ValueError(f"期间格式不正确：{text!r}（应为 all、年份如 2026 或月份如 2026-03）")
