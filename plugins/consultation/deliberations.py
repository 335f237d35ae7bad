"""Deliberations (议事协商): planning a meeting, its agenda, attendance, outcomes and votes.

Attendance is recorded once the meeting is held; each resident attendee emits
``consultation.deliberation_attended`` in the same transaction. Recording the same attendance again
adds no row and emits the identical event again, so a reaction keyed on the event happens once.
Publishing the results (the ``publish`` transition) emits ``consultation.deliberation_published``
with every agenda matter's outcome and vote (:func:`announce_results`).
As everywhere in this plugin, a refused request raises before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.events import emit
from core.localities import Level, is_within, level_of
from core.models import Locality, Organization, Person
from core.runtime import plugin_settings
from plugins.consultation.errors import ConsultationError, clean_text, visible
from plugins.consultation.events import AgendaOutcome, DeliberationAttended, DeliberationPublished
from plugins.consultation.models import (
    ConsultationAgendaItem,
    ConsultationAttendee,
    ConsultationDeliberation,
    ConsultationMatter,
)
from plugins.consultation.workflow import DELIBERATION_WORKFLOW

CLOSED_MATTER_STATES = ("rejected", "closed")


def plan_deliberation(
    session: Session,
    *,
    locality_code: str,
    title: str,
    form: str,
    held_at: dt.datetime,
    place: str,
    scope_code: str | None = None,
) -> ConsultationDeliberation:
    """Plan a meeting of one of the forms in use at that place (一村一策) in a village, group or
    township."""
    title = clean_text("title", "会议名称", title, 100)
    place = clean_text("place", "地点", place, 100)
    if held_at is None or held_at.tzinfo is None:
        raise ConsultationError("held_at", "召开时间必须带时区")
    locality = session.get(Locality, locality_code or "")
    if locality is None:
        raise ConsultationError("locality_code", f"行政区划 {locality_code} 不存在")
    if scope_code and not is_within(locality.code, scope_code):
        raise ConsultationError("locality_code", "所属区划不在您的管辖范围内")
    if level_of(locality.code) not in (Level.TOWN, Level.VILLAGE, Level.GROUP):
        raise ConsultationError(
            "locality_code", f"{locality.name} 不是乡镇（街道）、村（社区）或村民小组"
        )
    forms = plugin_settings(session, "consultation", locality.code)["meeting_forms"]
    if form not in forms:
        raise ConsultationError(
            "form", f"议事形式“{form}”未在{locality.name}启用，可选：{'、'.join(forms)}"
        )
    deliberation = ConsultationDeliberation(
        title=title,
        form=form,
        held_at=held_at,
        place=place,
        locality_code=locality.code,
        state=DELIBERATION_WORKFLOW.initial,
    )
    session.add(deliberation)
    session.flush()
    return deliberation


def _editable(deliberation: ConsultationDeliberation, states: tuple[str, ...], what: str) -> None:
    if deliberation.state not in states:
        label = DELIBERATION_WORKFLOW.states[deliberation.state]
        raise ConsultationError("deliberation", f"会议{label}，不能{what}")


def add_agenda(
    session: Session,
    deliberation: ConsultationDeliberation,
    matter_ids: Iterable[int],
    scope_code: str | None = None,
) -> list[ConsultationAgendaItem]:
    """Put matters of the meeting's village (or township) on its agenda; all or none.

    ``scope_code`` is the caller's scope: a matter outside it is named by id only.
    """
    _editable(deliberation, ("planned", "held"), "再调整议题")
    wanted = list(dict.fromkeys(int(i) for i in matter_ids))
    if not wanted:
        raise ConsultationError("matter_ids", "请选择要协商的事项")
    matters = {
        m.id: m
        for m in session.scalars(
            select(ConsultationMatter).where(ConsultationMatter.id.in_(wanted))
        )
    }
    present = set(
        session.scalars(
            select(ConsultationAgendaItem.matter_id).where(
                ConsultationAgendaItem.deliberation_id == deliberation.id
            )
        )
    )
    for matter_id in wanted:
        matter = matters.get(matter_id)
        if matter is None or not visible(matter.locality_code, scope_code):
            raise ConsultationError("matter_ids", f"事项 {matter_id} 不存在或不在您的管辖范围内")
        if not is_within(matter.locality_code, deliberation.scope_code):
            raise ConsultationError(
                "matter_ids", f"事项“{matter.title}”不属于本次会议所在的区划，不能列入议程"
            )
        if matter.state in CLOSED_MATTER_STATES:
            raise ConsultationError("matter_ids", f"事项“{matter.title}”已结案或不予受理")
        if matter_id in present:
            raise ConsultationError("matter_ids", f"事项“{matter.title}”已在议程中")
    items = [
        ConsultationAgendaItem(
            deliberation_id=deliberation.id,
            matter_id=matter_id,
            locality_code=deliberation.locality_code,
        )
        for matter_id in wanted
    ]
    session.add_all(items)
    session.flush()
    return items


def record_attendance(
    session: Session,
    deliberation: ConsultationDeliberation,
    recorded_by: str,
    person_ids: Iterable[int] = (),
    organization_ids: Iterable[int] = (),
    scope_code: str | None = None,
) -> int:
    """Record who attended a held meeting; returns how many attendees were new.

    Residents must live within the meeting's locality (its village for a group meeting);
    organisations must work there or above it (a township office sitting in). One resident or
    organisation outside is refused by name and nothing is written. Every resident in the list
    emits ``DeliberationAttended``, also one recorded before (the identical event).
    ``scope_code`` is the caller's scope: a resident outside it is named by id only.
    """
    _editable(deliberation, ("held",), "登记参会人员（请在会议召开后、公开结果前登记）")
    people = list(dict.fromkeys(int(i) for i in person_ids))
    organizations = list(dict.fromkeys(int(i) for i in organization_ids))
    if not people and not organizations:
        raise ConsultationError("person_ids", "请选择参会的居民或组织")
    scope = deliberation.scope_code
    found_people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(people)))}
    for person_id in people:
        person = found_people.get(person_id)
        if person is None or not visible(person.locality_code, scope_code):
            raise ConsultationError("person_ids", f"居民 {person_id} 不存在或不在您的管辖范围内")
        if not is_within(person.locality_code, scope):
            raise ConsultationError(
                "person_ids",
                f"居民 {person}（{person.locality_code}）不在本次会议所在区划内，"
                "不能登记为参会人员",
            )
    found_orgs = {
        o.id: o
        for o in session.scalars(select(Organization).where(Organization.id.in_(organizations)))
    }
    for organization_id in organizations:
        organization = found_orgs.get(organization_id)
        if organization is None:
            raise ConsultationError("organization_ids", f"组织 {organization_id} 不存在")
        if not (
            is_within(organization.locality_code, scope)
            or is_within(deliberation.locality_code, organization.locality_code)
        ):
            raise ConsultationError(
                "organization_ids",
                f"组织 {organization.name} 不在本次会议所在区划及其上级范围内，不能登记为参会单位",
            )
    known_people = set(
        session.scalars(
            select(ConsultationAttendee.person_id).where(
                ConsultationAttendee.deliberation_id == deliberation.id,
                ConsultationAttendee.person_id.in_(people),
            )
        )
    )
    known_orgs = set(
        session.scalars(
            select(ConsultationAttendee.organization_id).where(
                ConsultationAttendee.deliberation_id == deliberation.id,
                ConsultationAttendee.organization_id.in_(organizations),
            )
        )
    )
    new = [
        ConsultationAttendee(
            deliberation_id=deliberation.id,
            person_id=person_id,
            recorded_by=recorded_by,
            locality_code=deliberation.locality_code,
        )
        for person_id in people
        if person_id not in known_people
    ] + [
        ConsultationAttendee(
            deliberation_id=deliberation.id,
            organization_id=organization_id,
            recorded_by=recorded_by,
            locality_code=deliberation.locality_code,
        )
        for organization_id in organizations
        if organization_id not in known_orgs
    ]
    session.add_all(new)
    session.flush()
    for person_id in people:
        emit(
            session,
            DeliberationAttended(
                locality_code=deliberation.locality_code,
                person_id=person_id,
                deliberation_id=deliberation.id,
            ),
        )
    return len(new)


def attendee_count(session: Session, deliberation: ConsultationDeliberation) -> int:
    """How many residents and organisations attended."""
    return (
        session.scalar(
            select(func.count())
            .select_from(ConsultationAttendee)
            .where(ConsultationAttendee.deliberation_id == deliberation.id)
        )
        or 0
    )


def record_outcome(
    session: Session,
    deliberation: ConsultationDeliberation,
    matter_id: int,
    outcome: str,
    votes: tuple[int | None, int | None, int | None] | None = None,
) -> ConsultationAgendaItem:
    """Record the outcome of one agenda matter and, optionally, the vote (for, against, abstain).

    A vote gives all three counts, none negative, and no more votes than recorded attendees.
    """
    _editable(deliberation, ("held",), "填写协商结果（请在会议召开后、公开结果前填写）")
    item = session.scalar(
        select(ConsultationAgendaItem).where(
            ConsultationAgendaItem.deliberation_id == deliberation.id,
            ConsultationAgendaItem.matter_id == matter_id,
        )
    )
    if item is None:
        raise ConsultationError("matter_id", f"事项 {matter_id} 不在本次会议的议程中")
    outcome = clean_text("outcome", "协商结果", outcome, 2000)
    counts: tuple[Any, Any, Any] = votes or (None, None, None)
    given = [c for c in counts if c is not None and c != ""]
    if given and len(given) != 3:
        raise ConsultationError("votes", "表决须同时填写赞成、反对、弃权三项人数")
    if given:
        try:
            numbers = [int(c) for c in counts]
        except (TypeError, ValueError) as exc:
            raise ConsultationError("votes", "表决人数必须是整数") from exc
        if any(n < 0 for n in numbers):
            raise ConsultationError("votes", "表决人数不能为负数")
        present = attendee_count(session, deliberation)
        if sum(numbers) > present:
            raise ConsultationError(
                "votes", f"表决总人数 {sum(numbers)} 超过了登记的参会人数 {present}"
            )
        item.votes_for, item.votes_against, item.votes_abstain = numbers
    else:
        item.votes_for = item.votes_against = item.votes_abstain = None
    item.outcome = outcome
    session.flush()
    return item


def announce_results(
    session: Session, deliberation: ConsultationDeliberation
) -> DeliberationPublished:
    """Emit ``consultation.deliberation_published`` for a meeting whose results were just
    published: the attendance count and each agenda matter's outcome and vote, as recorded.

    Called by the ``publish`` transition (:meth:`ConsultationDeliberation.on_transition`), in
    its transaction, so a reaction (the compact plugin adopting a compact by the vote) commits or
    rolls back together with the publication.
    """
    items = session.scalars(
        select(ConsultationAgendaItem)
        .where(ConsultationAgendaItem.deliberation_id == deliberation.id)
        .order_by(ConsultationAgendaItem.id)
    ).all()
    event = DeliberationPublished(
        locality_code=deliberation.locality_code,
        deliberation_id=deliberation.id,
        present=attendee_count(session, deliberation),
        agenda=tuple(
            AgendaOutcome(
                matter_id=item.matter_id,
                outcome=item.outcome or "",
                votes_for=item.votes_for,
                votes_against=item.votes_against,
                votes_abstain=item.votes_abstain,
            )
            for item in items
        ),
    )
    emit(session, event)
    return event


def set_minutes(session: Session, deliberation: ConsultationDeliberation, minutes: str) -> None:
    """Write the minutes of a held meeting."""
    _editable(deliberation, ("held",), "修改会议纪要")
    deliberation.minutes = clean_text("minutes", "会议纪要", minutes, 20000)
    session.flush()


def upcoming_and_past(
    session: Session, scope_code: str, now: dt.datetime | None = None, limit: int = 10
) -> tuple[list[ConsultationDeliberation], list[ConsultationDeliberation]]:
    """Planned meetings still to come (soonest first) and published ones (newest first)."""
    now = now or utcnow()
    base = select(ConsultationDeliberation).where(ConsultationDeliberation.scope_clause(scope_code))
    upcoming = session.scalars(
        base.where(
            ConsultationDeliberation.state == "planned", ConsultationDeliberation.held_at >= now
        )
        .order_by(ConsultationDeliberation.held_at)
        .limit(limit)
    ).all()
    past = session.scalars(
        base.where(ConsultationDeliberation.state == "published")
        .order_by(ConsultationDeliberation.held_at.desc())
        .limit(limit)
    ).all()
    return list(upcoming), list(past)
