"""Organisations (党支部, 村委会, 社会组织, 商户…) and people's roles in them (``Membership``)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ColumnElement, Date, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from core.db import Base
from core.models.person import Person
from core.models.scoped import LocalityScoped


class OrganizationKind(enum.StrEnum):
    """Kinds of organisation, with their Chinese labels in :data:`ORGANIZATION_KIND_LABELS`."""

    PARTY_BRANCH = "party_branch"
    VILLAGE_COMMITTEE = "village_committee"
    RESIDENTS_COMMITTEE = "residents_committee"
    SUPERVISION_COMMITTEE = "supervision_committee"
    COUNCIL = "council"
    SOCIAL_ORGANIZATION = "social_organization"
    MERCHANT = "merchant"
    GOVERNMENT_DEPARTMENT = "government_department"
    OTHER = "other"


ORGANIZATION_KIND_LABELS = {
    OrganizationKind.PARTY_BRANCH: "党支部",
    OrganizationKind.VILLAGE_COMMITTEE: "村民委员会",
    OrganizationKind.RESIDENTS_COMMITTEE: "居民委员会",
    OrganizationKind.SUPERVISION_COMMITTEE: "村务监督委员会",
    OrganizationKind.COUNCIL: "理事会",
    OrganizationKind.SOCIAL_ORGANIZATION: "社会组织",
    OrganizationKind.MERCHANT: "商户",
    OrganizationKind.GOVERNMENT_DEPARTMENT: "政府部门",
    OrganizationKind.OTHER: "其他",
}

SOCIAL_ORGANIZATION_TYPES = {"social_group": "社会团体", "private_non_enterprise": "民办非企业单位"}


class Organization(LocalityScoped, Base):
    """An organisation working at one level of the locality tree."""

    __tablename__ = "core_organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    credit_code: Mapped[str | None] = mapped_column(
        String(18), unique=True, comment="统一社会信用代码"
    )
    social_type: Mapped[str | None] = mapped_column(String(30), comment="社会组织类型")
    registered_on: Mapped[dt.date | None] = mapped_column(Date, comment="登记日期")
    last_inspection_on: Mapped[dt.date | None] = mapped_column(Date, comment="最近年检日期")
    last_inspection_result: Mapped[str | None] = mapped_column(String(20), comment="年检结论")
    contact_phone: Mapped[str | None] = mapped_column(String(20))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )

    @validates("kind")
    def _check_kind(self, _key: str, kind: str) -> str:
        if kind not in OrganizationKind.__members__.values():
            raise ValueError(f"组织类型无效：{kind}")
        return kind

    @validates("credit_code")
    def _check_credit_code(self, _key: str, code: str | None) -> str | None:
        if code is None or not code.strip():
            return None
        try:
            return uscc.validate(code.strip().upper())
        except StdnumError as exc:
            raise ValueError(f"统一社会信用代码无效：{code}") from exc

    @validates("social_type")
    def _check_social_type(self, _key: str, value: str | None) -> str | None:
        if value and value not in SOCIAL_ORGANIZATION_TYPES:
            raise ValueError(f"社会组织类型无效：{value}")
        return value or None

    @property
    def kind_label(self) -> str:
        """The kind in Chinese."""
        return ORGANIZATION_KIND_LABELS[OrganizationKind(self.kind)]

    def __str__(self) -> str:
        return self.name


class Membership(Base):
    """A person's role in an organisation (网格员, 楼栋长, 监委会主任…) over a period."""

    __tablename__ = "core_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("core_organization.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(30))
    start_on: Mapped[dt.date | None] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship()
    organization: Mapped[Organization] = relationship(back_populates="memberships")

    @validates("role")
    def _check_role(self, _key: str, role: str) -> str:
        role = (role or "").strip()
        if not role:
            raise ValueError("职务不能为空")
        return role

    def is_active_on(self, day: dt.date) -> bool:
        """Whether the membership covers ``day``."""
        return (self.start_on is None or self.start_on <= day) and (
            self.end_on is None or day <= self.end_on
        )

    @classmethod
    def scope_clause(cls, scope_code: str) -> ColumnElement[bool]:
        """Memberships of organisations within the scope."""
        organizations = select(Organization.id).where(Organization.scope_clause(scope_code))
        return cls.organization_id.in_(organizations)

    def __str__(self) -> str:
        return f"{self.role}"
