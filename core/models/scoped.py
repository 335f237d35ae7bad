"""Locality scoping for records: which rows an account whose scope is a locality may touch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from core.localities import within

if TYPE_CHECKING:
    from core.models.locality import Locality


class LocalityScoped:
    """Mixin for records that belong to one locality (``locality_code``).

    ``scope_clause`` is what the admin, the API and exports filter by; models whose locality is
    reached through a relation override it.
    """

    @declared_attr
    def locality_code(cls) -> Mapped[str]:
        return mapped_column(
            String(15), ForeignKey("core_locality.code"), index=True, comment="所属行政区划"
        )

    @declared_attr
    def locality(cls) -> Mapped[Locality]:
        return relationship("Locality")

    @classmethod
    def scope_clause(cls, scope_code: str) -> ColumnElement[bool]:
        """SQL condition selecting the rows visible to an account scoped to ``scope_code``."""
        return within(cls.locality_code, scope_code)
