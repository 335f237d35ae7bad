"""What the public sees (公示) and what a resident's admin page shows about their cases.

The portal shows proposed recipients during their notice period and current recipients on a
village's page, with names masked (张*) and never an identity number, phone or address.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.localities import Level
from core.models import Locality, Person
from core.portal import PortalSection, PublicNotice
from plugins.assistance import clock
from plugins.assistance.models import (
    AssistanceApplication,
    AssistanceEnrolment,
    AssistanceMember,
    AssistanceNotice,
    mask_name,
)
from plugins.assistance.programmes import PROGRAMMES
from plugins.assistance.rules import yuan
from plugins.assistance.workflow import APPLICATION_WORKFLOW, ENROLMENT_WORKFLOW

NOTICES_SHOWN = 50
RECIPIENTS_SHOWN = 200


def _running_notices(
    session: Session, code: str, today: dt.date
) -> list[tuple[AssistanceNotice, str]]:
    rows = session.execute(
        select(AssistanceNotice, Locality.name)
        .join(Locality, Locality.code == AssistanceNotice.locality_code)
        .where(AssistanceNotice.scope_clause(code), AssistanceNotice.closed_at.is_(None))
        .where(AssistanceNotice.starts_on <= today, AssistanceNotice.ends_on >= today)
        .order_by(AssistanceNotice.published_at.desc(), AssistanceNotice.id.desc())
        .limit(NOTICES_SHOWN)
    ).all()
    return [(notice, place) for notice, place in rows]


def _summary(notice: AssistanceNotice) -> str:
    plan = PROGRAMMES[notice.programme]
    amount = ("月救助金额 " if plan.recurring else "一次性救助金额 ") + yuan(notice.amount)
    return (
        f"拟纳入{plan.title}：保障 {notice.persons} 人，{amount}。"
        f"对公示对象有异议的，请于 {notice.ends_on} 前向所在村（社区）或乡镇（街道）反映。"
    )


def public_notices(locality: Locality, session: Session) -> list[PublicNotice]:
    """Each proposed recipient in notice under ``locality``, as an entry of the 公示公告 list."""
    today = clock.today(session)
    return [
        PublicNotice(
            title=f"{place}：{notice.masked_name}",
            category=PROGRAMMES[notice.programme].notice_category,
            locality_code=notice.locality_code,
            published_at=notice.published_at,
            summary=_summary(notice),
            ends_on=notice.ends_on,
        )
        for notice, place in _running_notices(session, locality.code, today)
    ]


def portal_sections(locality: Locality, session: Session) -> list[PortalSection]:
    """社会救助公示: notices running now; on a village's page also its current recipients."""
    today = clock.today(session)
    notices = [
        {
            "name": notice.masked_name,
            "place": place,
            "programme": PROGRAMMES[notice.programme].title,
            "persons": notice.persons,
            "amount": yuan(notice.amount),
            "period": f"{notice.starts_on} 至 {notice.ends_on}",
        }
        for notice, place in _running_notices(session, locality.code, today)
    ]
    totals = session.execute(
        select(
            AssistanceEnrolment.programme,
            func.count(AssistanceEnrolment.id),
            func.coalesce(func.sum(AssistanceEnrolment.persons), 0),
        )
        .where(
            AssistanceEnrolment.scope_clause(locality.code), AssistanceEnrolment.state == "active"
        )
        .group_by(AssistanceEnrolment.programme)
    ).all()
    coverage = [
        {
            "programme": PROGRAMMES[code].title,
            "count": f"{count} {PROGRAMMES[code].unit_label}",
            "persons": int(persons),
        }
        for code, count, persons in sorted(totals, key=lambda r: list(PROGRAMMES).index(r[0]))
    ]
    recipients: list[dict[str, Any]] = []
    if locality.level in (Level.VILLAGE.value, Level.GROUP.value):
        rows = session.execute(
            select(AssistanceEnrolment, Locality.name, Person.name)
            .join(Locality, Locality.code == AssistanceEnrolment.locality_code)
            .join(Person, Person.id == AssistanceEnrolment.person_id)
            .where(
                AssistanceEnrolment.scope_clause(locality.code),
                AssistanceEnrolment.state == "active",
            )
            .order_by(
                AssistanceEnrolment.programme, AssistanceEnrolment.start_on, AssistanceEnrolment.id
            )
            .limit(RECIPIENTS_SHOWN)
        ).all()
        recipients = [
            {
                "name": mask_name(name),
                "place": place,
                "programme": PROGRAMMES[enrolment.programme].title,
                "persons": enrolment.persons,
                "amount": yuan(enrolment.monthly_amount),
                "since": enrolment.start_on.strftime("%Y-%m"),
            }
            for enrolment, place, name in rows
        ]
    if not (notices or coverage or recipients):
        return []
    return [
        PortalSection(
            "社会救助公示",
            "assistance/portal.html",
            {"notices": notices, "coverage": coverage, "recipients": recipients},
            order=40,
        )
    ]


def person_summary(person_id: int, session: Session) -> list[tuple[str, str]]:
    """A resident's cases and enrolments (as applicant or counted member), newest first."""
    cases = session.scalars(
        select(AssistanceApplication)
        .join(AssistanceMember, AssistanceMember.application_id == AssistanceApplication.id)
        .where(AssistanceMember.person_id == person_id)
        .order_by(AssistanceApplication.id.desc())
        .limit(20)
    ).all()
    if not cases:
        return []
    enrolments = {
        e.application_id: e
        for e in session.scalars(
            select(AssistanceEnrolment).where(
                AssistanceEnrolment.application_id.in_([c.id for c in cases])
            )
        )
    }
    rows = []
    for case in cases:
        enrolment = enrolments.get(case.id)
        if enrolment is not None:
            state = ENROLMENT_WORKFLOW.states[enrolment.state]
            rows.append(
                (
                    f"{case.programme_title}（对象#{enrolment.id}）",
                    f"{state}，月 {yuan(enrolment.monthly_amount)}",
                )
            )
        else:
            amount = (
                f"，{yuan(case.amount)}"
                if case.amount is not None and case.state == "approved"
                else ""
            )
            rows.append((str(case), APPLICATION_WORKFLOW.states[case.state] + amount))
    return rows
