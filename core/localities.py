"""Locality codes: the national statistical division codes and the prefix scoping built on them.

A code has 12 digits: province (2), city (4), county (6), town (9), village or community (12).
Groups (村民小组) have no national code; Gongzhi gives them the village code plus 3 digits.
"""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, String
    from sqlalchemy.orm import InstrumentedAttribute


class Level(enum.StrEnum):
    """Levels of the administrative tree, from the top."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"
    GROUP = "group"


LEVEL_LABELS = {
    Level.PROVINCE: "省",
    Level.CITY: "市",
    Level.COUNTY: "县（区）",
    Level.TOWN: "乡镇（街道）",
    Level.VILLAGE: "村（社区）",
    Level.GROUP: "村民小组（网格）",
}

# How many leading digits are significant at each level.
PREFIX_LENGTH = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWN: 9,
    Level.VILLAGE: 12,
    Level.GROUP: 15,
}

_CODE = re.compile(r"^\d{12}(\d{3})?$")


class LocalityCodeError(ValueError):
    """A malformed locality code; the message is for the user."""


def validate_code(code: str) -> str:
    """Return ``code`` stripped, or raise if it is not a 12-digit (or 15-digit group) code."""
    code = (code or "").strip()
    if not _CODE.match(code):
        raise LocalityCodeError(f"行政区划代码必须是 12 位数字（村民小组为 15 位）：{code!r}")
    level_of(code)
    return code


def level_of(code: str) -> Level:
    """The level a code denotes, from its trailing zeros."""
    if len(code) == 15:
        return Level.GROUP
    if code[2:] == "0" * 10:
        if code[:2] == "00":
            raise LocalityCodeError(f"行政区划代码无效：{code}")
        return Level.PROVINCE
    if code[4:] == "0" * 8:
        return Level.CITY
    if code[6:] == "0" * 6:
        return Level.COUNTY
    if code[9:] == "000":
        return Level.TOWN
    return Level.VILLAGE


def scope_prefix(code: str) -> str:
    """The significant prefix of a code: every code under it starts with this prefix."""
    return code[: PREFIX_LENGTH[level_of(code)]]


def parent_code(code: str) -> str | None:
    """The code one level up, or ``None`` for a province."""
    level = level_of(code)
    if level is Level.PROVINCE:
        return None
    if level is Level.GROUP:
        return code[:12]
    order = list(PREFIX_LENGTH)
    up = order[order.index(level) - 1]
    keep = PREFIX_LENGTH[up]
    return code[:keep] + "0" * (12 - keep)


def is_within(code: str, scope_code: str) -> bool:
    """Whether ``code`` is ``scope_code`` itself or lies under it."""
    return code.startswith(scope_prefix(scope_code))


def within(column: InstrumentedAttribute[str] | ColumnElement[String], scope_code: str):
    """A SQL condition: ``column`` holds a code at or under ``scope_code``.

    Written as a half-open range on the code so that it uses the column's index on every backend.
    """
    from sqlalchemy import and_  # here, so that checking a file needs no SQLAlchemy

    prefix = scope_prefix(scope_code)
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)
