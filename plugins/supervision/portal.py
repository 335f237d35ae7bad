"""What residents see of 村务监督 on the portal, and the resident summary for staff.

A village's page shows its disclosures (amendments visible, with the earlier versions and the
reasons), the progress of its major matters through 四议两公开, the county's power list as
flowcharts, and its cadres' 勤廉指数. A town's or county's page shows the power list and the
quarterly inspections. Nothing personal beyond the cadres' names and posts is shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.localities import Level
from core.models import Locality
from core.portal import PortalSection
from plugins.supervision.models import (
    CadreRatingCampaign,
    Disclosure,
    DisclosureDue,
    InspectionRound,
    MajorMatter,
    PowerItem,
    RatedCadre,
)
from plugins.supervision.models.common import ancestors_of
from plugins.supervision.services import disclosures, matters, today

DISCLOSURES_SHOWN = 20
MATTERS_SHOWN = 10


def sections(locality: Locality, session: Session) -> list[PortalSection]:
    """The supervision sections of ``locality``'s portal page."""
    found: list[PortalSection] = []
    if locality.level == Level.VILLAGE.value:
        found += _disclosures(locality, session)
        found += _matters(locality, session)
        found += _ratings(locality, session)
    if locality.level in (Level.VILLAGE.value, Level.TOWN.value, Level.COUNTY.value):
        found += _power_list(locality, session)
    if locality.level in (Level.TOWN.value, Level.COUNTY.value):
        found += _inspections(locality, session)
    return found


def _disclosures(locality: Locality, session: Session) -> list[PortalSection]:
    current = session.scalars(
        select(Disclosure)
        .where(
            Disclosure.locality_code == locality.code,
            Disclosure.online.is_(True),
            disclosures.current_clause(),
        )
        .order_by(Disclosure.published_at.desc(), Disclosure.id.desc())
        .limit(DISCLOSURES_SHOWN)
    ).all()
    entries = [
        {"disclosure": d, "history": disclosures.chain(session, d)[:-1][::-1]} for d in current
    ]
    day = today(session)
    dues = session.scalars(
        select(DisclosureDue).where(
            DisclosureDue.locality_code == locality.code,
            DisclosureDue.due_on >= dt.date(day.year, 1, 1),
            DisclosureDue.due_on < day,
        )
    ).all()
    calendar = {"total": len(dues), "on_time": 0, "late": 0, "overdue": []}
    for due in dues:
        status = due.status_on(day)
        if status == "按期公开":
            calendar["on_time"] += 1
        elif status == "逾期公开":
            calendar["late"] += 1
        else:
            calendar["overdue"].append(due)
    if not entries and not dues:
        return []
    return [
        PortalSection(
            "村务公开",
            "supervision/portal_disclosures.html",
            {"entries": entries, "calendar": calendar, "year": day.year},
            20,
        )
    ]


def _matters(locality: Locality, session: Session) -> list[PortalSection]:
    found = session.scalars(
        select(MajorMatter)
        .where(MajorMatter.locality_code == locality.code)
        .options(selectinload(MajorMatter.meetings))
        .order_by(MajorMatter.id.desc())
        .limit(MATTERS_SHOWN)
    ).all()
    if not found:
        return []
    items = [{"matter": m, "steps": matters.progress(m)} for m in found]
    return [
        PortalSection(
            "重大事项“四议两公开”", "supervision/portal_matters.html", {"items": items}, 30
        )
    ]


def _power_list(locality: Locality, session: Session) -> list[PortalSection]:
    codes = [locality.code, *ancestors_of(locality.code)]
    items = session.scalars(
        select(PowerItem)
        .where(PowerItem.locality_code.in_(codes))
        .options(selectinload(PowerItem.steps))
        .order_by(PowerItem.position, PowerItem.code)
    ).all()
    if not items:
        return []
    return [
        PortalSection("村级权力清单和流程图", "supervision/portal_power.html", {"items": items}, 40)
    ]


def _ratings(locality: Locality, session: Session) -> list[PortalSection]:
    campaign = session.scalar(
        select(CadreRatingCampaign)
        .join(RatedCadre, RatedCadre.campaign_id == CadreRatingCampaign.id)
        .where(CadreRatingCampaign.state == "published", RatedCadre.locality_code == locality.code)
        .order_by(CadreRatingCampaign.closes_on.desc(), CadreRatingCampaign.id.desc())
        .limit(1)
    )
    if campaign is None:
        return []
    cadres = session.scalars(
        select(RatedCadre)
        .where(RatedCadre.campaign_id == campaign.id, RatedCadre.locality_code == locality.code)
        .options(selectinload(RatedCadre.person))
        .order_by(RatedCadre.index_value.desc(), RatedCadre.id)
    ).all()
    return [
        PortalSection(
            "村干部勤廉指数（村民直评村官）",
            "supervision/portal_ratings.html",
            {"campaign": campaign, "cadres": cadres},
            50,
        )
    ]


def _inspections(locality: Locality, session: Session) -> list[PortalSection]:
    rounds = session.scalars(
        select(InspectionRound)
        .where(InspectionRound.scope_clause(locality.code))
        .options(selectinload(InspectionRound.targets))
        .order_by(InspectionRound.year.desc(), InspectionRound.quarter.desc())
        .limit(4)
    ).all()
    if not rounds:
        return []
    codes = {t.locality_code for r in rounds for t in r.targets}
    names = dict(
        session.execute(select(Locality.code, Locality.name).where(Locality.code.in_(codes))).all()
    )
    return [
        PortalSection(
            "村务公开民主管理专项督查",
            "supervision/portal_inspections.html",
            {"rounds": rounds, "names": names},
            60,
        )
    ]


def person_summary(person_id: int, session: Session) -> list[tuple[str, str]]:
    """For a cadre rated by villagers: the index of each closed campaign, newest first."""
    rows = session.execute(
        select(
            CadreRatingCampaign.period_label,
            RatedCadre.post,
            RatedCadre.index_value,
            RatedCadre.ratings,
        )
        .join(CadreRatingCampaign, RatedCadre.campaign_id == CadreRatingCampaign.id)
        .where(
            RatedCadre.person_id == person_id,
            CadreRatingCampaign.state.in_(("closed", "published")),
        )
        .order_by(CadreRatingCampaign.closes_on.desc())
        .limit(5)
    ).all()
    summary: list[tuple[str, Any]] = []
    for period, post, index, count in rows:
        value = f"{index}（{post}，{count} 户参评）" if index is not None else f"无人评议（{post}）"
        summary.append((f"{period}勤廉指数", value))
    return summary
