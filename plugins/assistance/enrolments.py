"""救助对象 and 复核: enrolments of approved recurring cases and their periodic reviews.

An approved 低保 or 特困 case becomes an enrolment paid from the first day of the approval month,
with its first review scheduled by programme and category (低保 households whose income will not
improve yearly, others every half year; 特困 yearly, by default). A review ends in one of four
outcomes (continue, adjust, suspend, exit); every outcome but exit schedules the next review.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from core.events import emit
from core.localities import within
from core.runtime import plugin_settings
from plugins.assistance import clock
from plugins.assistance.cases import release_locks
from plugins.assistance.events import EnrolmentEnded
from plugins.assistance.models import AssistanceApplication, AssistanceEnrolment, AssistanceReview
from plugins.assistance.programmes import EXTREME_POVERTY, MINIMUM_LIVING, programme
from plugins.assistance.workflow import ENROLMENT_WORKFLOW, actor_label


def review_months(settings: dict[str, Any], programme: str, category: str | None) -> int:
    """Months between reviews for a programme and (低保) category."""
    months = settings["review_months"]
    if programme == MINIMUM_LIVING:
        return months[
            "minimum_living_stable" if category == "stable" else "minimum_living_variable"
        ]
    if programme == EXTREME_POVERTY:
        return months["extreme_poverty"]
    raise ValueError(f"{programme} has no reviews")


def schedule_review(
    session: Session, enrolment: AssistanceEnrolment, due_on: dt.date
) -> AssistanceReview:
    """Add the enrolment's next review, due on ``due_on`` (one open review per enrolment)."""
    review = AssistanceReview(
        enrolment=enrolment,
        open_key=enrolment.id,
        due_on=due_on,
        state="due",
        locality_code=enrolment.locality_code,
    )
    session.add(review)
    return review


def enrol(session: Session, application: AssistanceApplication, actor: Any) -> AssistanceEnrolment:
    """Turn an approved recurring case into an enrolment and schedule its first review."""
    settings = plugin_settings(session, "assistance")
    start = clock.today(session).replace(day=1)
    enrolment = AssistanceEnrolment(
        application=application,
        programme=application.programme,
        person_id=application.applicant_id,
        household_id=application.household_id,
        category=application.category,
        active_key=f"{application.programme}:"
        + (
            f"h{application.household_id}"
            if programme(application.programme).per_household
            else f"p{application.applicant_id}"
        ),
        start_on=start,
        monthly_amount=application.amount,
        persons=len(application.members),
        payee_bank=application.payee_bank,
        payee_account=application.payee_account,
        locality_code=application.locality_code,
    )
    session.add(enrolment)
    session.flush()
    months = review_months(settings, enrolment.programme, enrolment.category)
    schedule_review(session, enrolment, clock.add_months(start, months))
    return enrolment


def _end(session: Session, enrolment: AssistanceEnrolment, actor: Any, reason: str | None) -> None:
    today = clock.today(session)
    enrolment.ended_on = clock.add_months(today.replace(day=1), 1)
    enrolment.active_key = None
    enrolment.end_reason = reason
    release_locks(enrolment.application)
    for review in enrolment.reviews:
        if review.state == "due":
            review.state = "done"
            review.outcome = "closed"
            review.open_key = None
            review.completed_at = clock.now()
            review.completed_by = actor_label(actor)
    session.flush()
    emit(
        session,
        EnrolmentEnded(
            locality_code=enrolment.locality_code,
            enrolment_id=enrolment.id,
            programme=enrolment.programme,
            person_id=enrolment.person_id,
            household_id=enrolment.household_id,
            reason=reason or "",
        ),
    )


def after_enrolment_transition(
    enrolment: AssistanceEnrolment,
    transition: Any,
    actor: Any,
    session: Session,
    reason: str | None,
) -> None:
    """Suspend, resume or end an enrolment; ending it frees its members and closes its review."""
    if transition.name == "exit":
        _end(session, enrolment, actor, reason)
    elif transition.name == "suspend":
        enrolment.end_reason = f"暂停：{reason}"
    elif transition.name == "resume":
        enrolment.end_reason = None


def after_review_transition(
    review: AssistanceReview, transition: Any, actor: Any, session: Session, reason: str | None
) -> None:
    """Apply a review's outcome to its enrolment and schedule the next review."""
    enrolment = review.enrolment
    review.outcome = transition.name
    review.open_key = None
    review.completed_at = clock.now()
    review.completed_by = actor_label(actor)
    if reason:
        review.findings = f"{review.findings}\n处理理由：{reason}"
    if transition.name == "adjust":
        enrolment.monthly_amount = review.new_amount
    elif transition.name == "suspend" and enrolment.state == "active":
        ENROLMENT_WORKFLOW.apply(enrolment, "suspend", actor, session, reason=reason)
    elif transition.name == "exit":
        ENROLMENT_WORKFLOW.apply(enrolment, "exit", actor, session, reason=reason)
        return
    session.flush()
    settings = plugin_settings(session, "assistance")
    months = review_months(settings, enrolment.programme, enrolment.category)
    schedule_review(session, enrolment, clock.add_months(clock.today(session), months))


def overdue_reviews(scope_code: str, today: dt.date) -> Select[Any]:
    """Reviews within the scope that are still due after their date, oldest first."""
    return (
        select(AssistanceReview)
        .where(within(AssistanceReview.locality_code, scope_code), AssistanceReview.state == "due")
        .where(AssistanceReview.due_on < today)
        .options(
            joinedload(AssistanceReview.enrolment).joinedload(AssistanceEnrolment.person),
            joinedload(AssistanceReview.locality),
        )
        .order_by(AssistanceReview.due_on, AssistanceReview.id)
    )
