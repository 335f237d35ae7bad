"""What residents see on the public portal: a village's public matters with their status, its
meetings (upcoming, and past ones with outcomes), the wish wall; figures on township and county
pages; published outcomes as public notices. Names are masked (张*), and no identity or phone
number is ever shown; matters a resident raised as private (私事) are never listed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.localities import Level, level_of
from core.models import Locality, Person
from core.portal import PortalSection, PublicNotice
from core.runtime import plugin_settings
from plugins.consultation.catalogue import item_label
from plugins.consultation.deliberations import upcoming_and_past
from plugins.consultation.models import (
    LEVELS,
    ConsultationAgendaItem,
    ConsultationAttendee,
    ConsultationDeliberation,
    ConsultationMatter,
    ConsultationRating,
    ConsultationWish,
)
from plugins.consultation.settings import TRIAGE_CLASSES
from plugins.consultation.statistics import figures, local_today
from plugins.consultation.wishes import masked_name

MATTERS_SHOWN = 20
WISHES_SHOWN = 20
PUBLIC_WISH_STATES = ("posted", "claimed", "fulfilled", "confirmed")


@dataclasses.dataclass(frozen=True)
class PublicMatter:
    """A matter as the portal shows it."""

    title: str
    item: str
    triage: str
    state: str
    level: str
    submitted_at: dt.datetime
    resolution: str | None


@dataclasses.dataclass(frozen=True)
class PublicWish:
    """A wish on the wall: the wisher's name masked, the claimer named only if an organisation."""

    title: str
    description: str
    wisher: str
    tags: list[str]
    state: str
    claimer: str
    posted_at: dt.datetime


def _village_level(locality: Locality) -> bool:
    return level_of(locality.code) in (Level.VILLAGE, Level.GROUP)


def sections(locality: Locality, session: Session) -> list[PortalSection]:
    """The consultation sections of a locality's page."""
    if _village_level(locality):
        return [
            s
            for s in (
                _matters_section(locality, session),
                _meetings_section(locality, session),
                _wish_wall(locality, session),
            )
            if s is not None
        ]
    if level_of(locality.code) in (Level.TOWN, Level.COUNTY):
        return _figures_section(locality, session)
    return []


def _matters_section(locality: Locality, session: Session) -> PortalSection | None:
    settings = plugin_settings(session, "consultation")
    rows = session.scalars(
        select(ConsultationMatter)
        .where(
            ConsultationMatter.scope_clause(locality.code), ConsultationMatter.is_public.is_(True)
        )
        .where(ConsultationMatter.state.not_in(("rejected",)))
        .order_by(ConsultationMatter.submitted_at.desc(), ConsultationMatter.id.desc())
        .limit(MATTERS_SHOWN)
    ).all()
    if not rows:
        return None
    matters = [
        PublicMatter(
            title=m.title,
            item=item_label(settings, m.locality_code, m.item_code),
            triage=TRIAGE_CLASSES.get(m.triage or "", "待分流"),
            state=ConsultationMatter.__workflow__.states[m.state],
            level=LEVELS[m.handling_level],
            submitted_at=m.submitted_at,
            resolution=m.resolution if m.state in ("resolved", "evaluated", "closed") else None,
        )
        for m in rows
    ]
    return PortalSection("协商事项", "consultation/portal_matters.html", {"matters": matters}, 40)


def _meetings_section(locality: Locality, session: Session) -> PortalSection | None:
    upcoming, past = upcoming_and_past(session, locality.code[:12], limit=5)
    if not upcoming and not past:
        return None
    agenda = _agenda(session, [d.id for d in past])
    attendance = _attendance(session, [d.id for d in past])
    return PortalSection(
        "议事协商",
        "consultation/portal_meetings.html",
        {"upcoming": upcoming, "past": past, "agenda": agenda, "attendance": attendance},
        41,
    )


def _agenda(session: Session, ids: list[int]) -> dict[int, list[ConsultationAgendaItem]]:
    result: dict[int, list[ConsultationAgendaItem]] = {i: [] for i in ids}
    if ids:
        items = session.scalars(
            select(ConsultationAgendaItem)
            .where(ConsultationAgendaItem.deliberation_id.in_(ids))
            .options(selectinload(ConsultationAgendaItem.matter))
            .order_by(ConsultationAgendaItem.id)
        )
        for item in items:
            result[item.deliberation_id].append(item)
    return result


def _attendance(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(
        session.execute(
            select(ConsultationAttendee.deliberation_id, func.count())
            .where(ConsultationAttendee.deliberation_id.in_(ids))
            .group_by(ConsultationAttendee.deliberation_id)
        ).all()
    )


def _wish_wall(locality: Locality, session: Session) -> PortalSection | None:
    settings = plugin_settings(session, "consultation", locality.code)
    highlighted = set(settings["wish_tags"])
    rows = session.scalars(
        select(ConsultationWish)
        .where(
            ConsultationWish.scope_clause(locality.code),
            ConsultationWish.state.in_(PUBLIC_WISH_STATES),
        )
        .options(
            selectinload(ConsultationWish.wisher).selectinload(Person.tags),
            selectinload(ConsultationWish.claimer_person),
            selectinload(ConsultationWish.claimer_organization),
        )
        .order_by(ConsultationWish.posted_at.desc(), ConsultationWish.id.desc())
        .limit(WISHES_SHOWN)
    ).all()
    if not rows:
        return None
    wishes = [
        PublicWish(
            title=w.title,
            description=w.description,
            wisher=masked_name(w.wisher.name),
            tags=sorted(t.name for t in w.wisher.tags if t.name in highlighted),
            state=ConsultationWish.__workflow__.states[w.state],
            claimer=(
                w.claimer_organization.name
                if w.claimer_organization is not None
                else masked_name(w.claimer_person.name)
                if w.claimer_person is not None
                else ""
            ),
            posted_at=w.posted_at,
        )
        for w in rows
    ]
    waiting = sum(1 for w in rows if w.state == "posted")
    return PortalSection(
        "心愿墙", "consultation/portal_wishes.html", {"wishes": wishes, "waiting": waiting}, 42
    )


def _figures_section(locality: Locality, session: Session) -> list[PortalSection]:
    runtime = session.info.get("runtime")
    timezone = runtime.config.timezone if runtime is not None else "Asia/Shanghai"
    today = local_today(timezone)
    result = figures(session, locality.code, today.replace(month=1, day=1), today, timezone)
    if not result.submitted and not result.resolved:
        return []
    return [
        PortalSection(
            f"{today.year} 年协商议事",
            "consultation/portal_figures.html",
            {"figures": result},
            40,
        )
    ]


def notices(locality: Locality, session: Session) -> list[PublicNotice]:
    """Published meeting outcomes at this locality and below (决议公开)."""
    published = session.scalars(
        select(ConsultationDeliberation)
        .where(
            ConsultationDeliberation.scope_clause(locality.code),
            ConsultationDeliberation.state == "published",
        )
        .order_by(ConsultationDeliberation.held_at.desc())
        .limit(20)
    ).all()
    agenda = _agenda(session, [d.id for d in published])
    result = []
    for d in published:
        outcomes = "；".join(
            f"{item.matter.title}：{item.outcome}"
            + (
                f"（赞成 {item.votes_for}、反对 {item.votes_against}、弃权 {item.votes_abstain}）"
                if item.has_vote
                else ""
            )
            for item in agenda[d.id]
        )
        result.append(
            PublicNotice(
                title=f"{d.title}（{d.form}）协商结果",
                category="议事协商",
                locality_code=d.locality_code,
                published_at=d.held_at,
                summary=outcomes,
            )
        )
    return result


def person_summary(person_id: int, session: Session) -> list[tuple[str, str]]:
    """What a resident raised, attended, rated and wished for (for their admin page)."""

    def count(model: Any, *where: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    raised = count(ConsultationMatter, ConsultationMatter.reporter_id == person_id)
    attended = count(ConsultationAttendee, ConsultationAttendee.person_id == person_id)
    rated = count(ConsultationRating, ConsultationRating.person_id == person_id)
    wished = count(ConsultationWish, ConsultationWish.wisher_id == person_id)
    fulfilled = count(
        ConsultationWish,
        ConsultationWish.claimer_person_id == person_id,
        ConsultationWish.state == "confirmed",
    )
    return [
        ("反映协商事项", f"{raised} 件"),
        ("参加议事协商", f"{attended} 次"),
        ("参与群众评议", f"{rated} 次"),
        ("发布微心愿", f"{wished} 个"),
        ("帮他人实现心愿", f"{fulfilled} 个"),
    ]
