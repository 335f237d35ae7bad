"""Residents (``Person``), households (``Household``) and person tags (``Tag``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db import Base, UTCDateTime, utcnow
from core.identity import (
    birth_date_of,
    mask_id_number,
    normalize_id_number,
    normalize_phone,
    sex_of,
)
from core.models.scoped import LocalityScoped

person_tags = Table(
    "core_person_tag",
    Base.metadata,
    Column("person_id", ForeignKey("core_person.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("core_tag.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(Base):
    """A label on residents that practices care about: 党员, 老年人, 留守儿童, 残疾人…"""

    __tablename__ = "core_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str | None] = mapped_column(String(200))

    def __str__(self) -> str:
        return self.name


class Household(LocalityScoped, Base):
    """A registered household (户) living in a village, community or group."""

    __tablename__ = "core_household"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True, comment="户号")
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[Person]] = relationship(back_populates="household")

    def __str__(self) -> str:
        return f"户 {self.number}"


class Person(LocalityScoped, Base):
    """A resident. Sex and birth date derive from the identity number, which is shown masked."""

    __tablename__ = "core_person"
    __audit_masked__ = ("id_number", "phone")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    sex: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(20))
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("core_household.id", ondelete="SET NULL"), index=True
    )
    relation: Mapped[str | None] = mapped_column(String(20), comment="与户主关系")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household | None] = relationship(back_populates="members")
    tags: Mapped[list[Tag]] = relationship(secondary=person_tags, order_by=Tag.name)

    @validates("id_number")
    def _check_id_number(self, _key: str, value: str) -> str:
        number = normalize_id_number(value)
        self.sex = sex_of(number)
        self.birth_date = birth_date_of(number)
        return number

    @validates("phone")
    def _check_phone(self, _key: str, value: str | None) -> str | None:
        return normalize_phone(value)

    @validates("name")
    def _check_name(self, _key: str, value: str) -> str:
        value = (value or "").strip()
        if not value:
            raise ValueError("姓名不能为空")
        if "\x00" in value:
            raise ValueError("姓名含有非法字符")
        return value

    @property
    def masked_id_number(self) -> str:
        """The identity number with its middle hidden, for every display."""
        return mask_id_number(self.id_number)

    @property
    def sex_label(self) -> str:
        """男 or 女."""
        return "男" if self.sex == "male" else "女"

    def age_on(self, day: dt.date) -> int:
        """Age in whole years on ``day``."""
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    def has_tag(self, name: str) -> bool:
        """Whether the resident carries the tag called ``name``."""
        return any(tag.name == name for tag in self.tags)

    def __str__(self) -> str:
        return f"{self.name}（{self.masked_id_number}）"
