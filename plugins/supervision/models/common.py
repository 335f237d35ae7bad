"""Helpers shared by the models: money checks, locked-record errors, committed values."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, inspect, or_

from core.localities import parent_code, within

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")


class LockedRecordError(ValueError):
    """A change to a record that the practice says must never be edited (booked, published)."""


def money(value: Any, field: str = "金额") -> Decimal:
    """``value`` as a Decimal with at most two decimals, or a ValueError naming ``field``."""
    if value is None or value == "":
        raise ValueError(f"{field}不能为空")
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise ValueError(f"{field}必须是数字：{value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"{field}必须是数字：{value!r}")
    if amount != amount.quantize(CENT):
        raise ValueError(f"{field}最多保留两位小数：{value}")
    if abs(amount) > MAX_AMOUNT:
        raise ValueError(f"{field}超出范围：{value}")
    return amount.quantize(CENT)


def clean_text(value: str | None, field: str, *, required: bool = True, limit: int = 200) -> Any:
    """``value`` stripped; a ValueError naming ``field`` if empty (when required), too long, or
    carrying a NUL character (which PostgreSQL refuses)."""
    text = (value or "").strip()
    if not text:
        if required:
            raise ValueError(f"{field}不能为空")
        return None
    if "\x00" in text:
        raise ValueError(f"{field}含有非法字符")
    if len(text) > limit:
        raise ValueError(f"{field}不能超过 {limit} 个字符")
    return text


def committed(obj: Any, key: str) -> Any:
    """The value of attribute ``key`` as last loaded from the database (before pending changes)."""
    history = inspect(obj).attrs[key].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return history.added[0] if history.added else None


def changed_attributes(obj: Any) -> set[str]:
    """Column attributes of ``obj`` with pending changes."""
    state = inspect(obj)
    return {
        attr.key
        for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.has_changes()
    }


def ancestors_of(code: str) -> list[str]:
    """The codes above ``code`` (town, county, city, province), nearest first."""
    found = []
    parent = parent_code(code)
    while parent:
        found.append(parent)
        parent = parent_code(parent)
    return found


def within_or_above(column: Any, scope_code: str) -> ColumnElement[bool]:
    """Rows at or under ``scope_code``, and rows of the levels above it that apply to it (a
    county's power list, a town's rating campaign are seen by every village under them)."""
    return or_(within(column, scope_code), column.in_(ancestors_of(scope_code)))
