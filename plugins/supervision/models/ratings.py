"""村民直评村官 and 勤廉指数: rating campaigns, the cadres rated and the households' ratings.

Each household rates each cadre of its village once, on diligence (勤) and integrity (廉), from
1 (不满意) to 5 (满意). Totals are maintained on the cadre row as ratings arrive; closing the
campaign computes each cadre's index (0-100) from them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db import Base, UTCDateTime, utcnow
from core.models.scoped import LocalityScoped
from plugins.supervision.models.common import LockedRecordError, clean_text, within_or_above
from plugins.supervision.workflows import CAMPAIGN_WORKFLOW

if TYPE_CHECKING:
    from core.models import Household, Person


class CadreRatingCampaign(LocalityScoped, Base):
    """A rating campaign for a period, covering every village at or under its locality."""

    __tablename__ = "supervision_rating_campaign"
    __workflow__ = CAMPAIGN_WORKFLOW

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), comment="测评名称")
    period_label: Mapped[str] = mapped_column(String(30), comment="测评期间")
    opens_on: Mapped[dt.date] = mapped_column(Date, comment="开始日期")
    closes_on: Mapped[dt.date] = mapped_column(Date, comment="截止日期")
    state: Mapped[str] = mapped_column(String(20), default=CAMPAIGN_WORKFLOW.initial)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    cadres: Mapped[list[RatedCadre]] = relationship(
        back_populates="campaign", order_by="(RatedCadre.locality_code, RatedCadre.id)"
    )

    @validates("title", "period_label")
    def _check_text(self, key: str, value: str) -> str:
        return clean_text(value, {"title": "测评名称", "period_label": "测评期间"}[key], limit=100)

    @classmethod
    def scope_clause(cls, scope_code: str) -> ColumnElement[bool]:
        """Rows at or under the scope, and those of the levels above that apply to it."""
        return within_or_above(cls.locality_code, scope_code)

    def on_transition(self, transition: Any, actor: Any, session: Any, reason: Any) -> None:
        """Closing computes the indexes; publishing discloses them village by village."""
        from plugins.supervision.services import ratings

        ratings.after_campaign_transition(self, transition, actor, session, reason)

    def __str__(self) -> str:
        return self.title


class RatedCadre(LocalityScoped, Base):
    """A cadre rated in a campaign, with the running totals and the computed index."""

    __tablename__ = "supervision_rated_cadre"
    __table_args__ = (UniqueConstraint("campaign_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_rating_campaign.id"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("core_person.id"), index=True)
    post: Mapped[str] = mapped_column(String(30), comment="职务")
    ratings: Mapped[int] = mapped_column(Integer, default=0, comment="参评户数")
    diligence_total: Mapped[int] = mapped_column(Integer, default=0)
    integrity_total: Mapped[int] = mapped_column(Integer, default=0)
    index_value: Mapped[Decimal | None] = mapped_column(Numeric(5, 2), comment="勤廉指数")

    campaign: Mapped[CadreRatingCampaign] = relationship(back_populates="cadres")
    person: Mapped[Person] = relationship()

    @validates("post")
    def _check_post(self, _key: str, value: str) -> str:
        return clean_text(value, "职务", limit=30)

    @property
    def diligence_average(self) -> Decimal | None:
        """Average diligence score (1-5), or ``None`` before any rating."""
        if not self.ratings:
            return None
        return (Decimal(self.diligence_total) / self.ratings).quantize(Decimal("0.01"))

    @property
    def integrity_average(self) -> Decimal | None:
        """Average integrity score (1-5), or ``None`` before any rating."""
        if not self.ratings:
            return None
        return (Decimal(self.integrity_total) / self.ratings).quantize(Decimal("0.01"))

    def __str__(self) -> str:
        name = self.person.name if self.person is not None else self.person_id
        return f"{name}（{self.post}）"


class CadreRating(LocalityScoped, Base):
    """One household's rating of one cadre. A household rates each cadre once."""

    __tablename__ = "supervision_rating"
    __table_args__ = (
        UniqueConstraint("cadre_id", "household_id"),
        CheckConstraint("diligence BETWEEN 1 AND 5", name="diligence_range"),
        CheckConstraint("integrity BETWEEN 1 AND 5", name="integrity_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_rating_campaign.id"), index=True
    )
    cadre_id: Mapped[int] = mapped_column(ForeignKey("supervision_rated_cadre.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("core_household.id"), index=True)
    diligence: Mapped[int] = mapped_column(SmallInteger, comment="勤（1-5）")
    integrity: Mapped[int] = mapped_column(SmallInteger, comment="廉（1-5）")
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    rated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    cadre: Mapped[RatedCadre] = relationship()
    household: Mapped[Household] = relationship()

    @classmethod
    def of_campaign(cls, campaign_id: int) -> ColumnElement[bool]:
        """A condition selecting one campaign's ratings."""
        return cls.campaign_id == campaign_id

    def __str__(self) -> str:
        return f"勤 {self.diligence} 廉 {self.integrity}"


@event.listens_for(CadreRating, "before_update")
@event.listens_for(CadreRating, "before_delete")
def _ratings_are_final(_mapper: Any, _connection: Any, target: Any) -> None:
    raise LockedRecordError("评议票录入后不能修改或删除")


def cadres_of(campaign_id: int) -> Any:
    """A query of a campaign's cadres."""
    return select(RatedCadre).where(RatedCadre.campaign_id == campaign_id)
