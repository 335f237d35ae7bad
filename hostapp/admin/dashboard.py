"""Figures for the admin home page, counted within the account's scope."""

from __future__ import annotations

from sqlalchemy import func, select

from core.models import Household, Locality, Organization, Person
from core.runtime import Runtime


def scope_counts(runtime: Runtime, scope_code: str) -> list[tuple[str, int]]:
    """(label, count) for the core registers within ``scope_code``."""
    session = runtime.db.session
    rows = []
    for label, model in (
        ("行政区划", Locality),
        ("居民", Person),
        ("户", Household),
        ("组织", Organization),
    ):
        count = session.scalar(
            select(func.count()).select_from(model).where(model.scope_clause(scope_code))
        )
        rows.append((label, count or 0))
    return rows
