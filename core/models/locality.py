"""``Locality``: a node of the administrative tree, keyed by its statistical division code."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from core.db import Base
from core.localities import LEVEL_LABELS, Level, level_of, parent_code, validate_code, within


class Locality(Base):
    """A province, city, county, town, village or community, or group.

    The parent is implied by the code, so "everything under X" is a range query on ``code``.
    """

    __tablename__ = "core_locality"

    code: Mapped[str] = mapped_column(String(15), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10), index=True)
    parent_code: Mapped[str | None] = mapped_column(String(15), index=True)

    @validates("code")
    def _check_code(self, _key: str, code: str) -> str:
        code = validate_code(code)
        self.level = level_of(code).value
        self.parent_code = parent_code(code)
        return code

    @validates("name")
    def _check_name(self, _key: str, name: str) -> str:
        name = (name or "").strip()
        if not name:
            raise ValueError("名称不能为空")
        return name

    @property
    def level_label(self) -> str:
        """The level in Chinese (县（区）, 村（社区）…)."""
        return LEVEL_LABELS[Level(self.level)]

    @classmethod
    def scope_clause(cls, scope_code: str) -> ColumnElement[bool]:
        """Localities at or under ``scope_code``."""
        return within(cls.code, scope_code)

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
