"""Periodic reviews (复核): scheduled by programme and category, four outcomes, overdue lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from assistance_support import COUNTY_CODE, TODAY, VILLAGE, build_county, freeze
from sqlalchemy import select

from core.events import EventRecord
from core.workflow import WorkflowError
from plugins.assistance.cases import create_application
from plugins.assistance.enrolments import enrol, overdue_reviews, review_months
from plugins.assistance.models import (
    AssistanceApplication,
    AssistanceEnrolment,
    AssistanceMember,
    AssistanceReview,
)
from plugins.assistance.settings import AssistanceSettings
from plugins.assistance.workflow import REVIEW_WORKFLOW


@pytest.fixture
def county(make_runtime, monkeypatch):
    freeze(monkeypatch)
    return build_county(
        make_runtime,
        {
            "review_months": {
                "minimum_living_stable": 12,
                "minimum_living_variable": 6,
                "extreme_poverty": 12,
            }
        },
    )


def approved(session, county, id_number, programme, amount, **details):
    application = create_application(
        session,
        actor=county.actor(session, "town"),
        id_number=id_number,
        programme_code=programme,
        accept=True,
        **details,
    )
    application.state = "approved"
    application.amount = Decimal(amount)
    application.open_key = None
    return enrol(session, application, county.actor(session, "town2"))


def test_review_intervals_follow_the_programme_and_the_households_category():
    settings = AssistanceSettings().load({})
    assert review_months(settings, "minimum_living", "stable") == 12
    assert review_months(settings, "minimum_living", "variable") == 6
    assert review_months(settings, "extreme_poverty", None) == 12
    tuned = AssistanceSettings().load({"review_months": {"minimum_living_variable": 3}})
    assert review_months(tuned, "minimum_living", "variable") == 3


def test_an_enrolment_gets_its_first_review_at_the_interval(county):
    with county.session() as session:
        stable = approved(
            session, county, county.zhang.head, "minimum_living", "1200", category="stable"
        )
        poor = approved(
            session, county, county.chen.head, "extreme_poverty", "1140", care_level="self_care"
        )
        assert [r.due_on for r in stable.reviews] == [dt.date(2027, 3, 1)]
        assert [r.due_on for r in poor.reviews] == [dt.date(2027, 3, 1)]
        variable = approved(session, county, county.wang.head, "minimum_living", "500")
        assert [r.due_on for r in variable.reviews] == [dt.date(2026, 9, 1)]


def complete(
    session, county, review, outcome, findings="入户核查，家庭情况无变化", reason=None, **changes
):
    review.findings = findings
    for key, value in changes.items():
        setattr(review, key, value)
    REVIEW_WORKFLOW.apply(review, outcome, county.actor(session, "town"), session, reason=reason)


def test_continuing_schedules_the_next_review_from_the_day_of_the_review(county, monkeypatch):
    with county.session() as session:
        enrolment = approved(session, county, county.wang.head, "minimum_living", "500")
        enrolment_id = enrolment.id
    freeze(monkeypatch, dt.date(2026, 9, 10))
    with county.session() as session:
        review = session.scalars(
            select(AssistanceReview).where(AssistanceReview.state == "due")
        ).one()
        complete(session, county, review, "keep")
        assert (review.state, review.outcome, review.open_key) == ("done", "keep", None)
    with county.session() as session:
        due = session.scalars(select(AssistanceReview).where(AssistanceReview.state == "due")).one()
        assert due.enrolment_id == enrolment_id
        assert due.due_on == dt.date(2027, 3, 10)


def test_a_review_needs_its_findings_written_down(county):
    with county.session() as session:
        enrolment = approved(session, county, county.wang.head, "minimum_living", "500")
        with pytest.raises(WorkflowError, match="复核情况"):
            REVIEW_WORKFLOW.apply(
                enrolment.reviews[0], "keep", county.actor(session, "town"), session
            )


def test_adjusting_changes_the_monthly_amount(county):
    with county.session() as session:
        enrolment = approved(session, county, county.wang.head, "minimum_living", "500")
        review = enrolment.reviews[0]
        with pytest.raises(WorkflowError, match="调整后的月救助金额"):
            complete(session, county, review, "adjust")
        complete(
            session,
            county,
            review,
            "adjust",
            findings="子女就业，收入增加",
            new_amount=Decimal("260"),
        )
        assert enrolment.monthly_amount == Decimal("260")


def test_suspending_stops_payment_but_keeps_the_enrolment_under_review(county):
    with county.session() as session:
        enrolment = approved(session, county, county.wang.head, "minimum_living", "500")
        complete(
            session,
            county,
            enrolment.reviews[0],
            "suspend",
            findings="户主外出，联系不上",
            reason="待核实后恢复",
        )
        assert enrolment.state == "suspended"
        assert enrolment.active_key is not None  # still counts as the household's enrolment
        assert len([r for r in enrolment.reviews if r.state == "due"]) == 1


def test_exiting_ends_the_enrolment_frees_the_members_and_emits_an_event(county):
    with county.session() as session:
        enrolment = approved(session, county, county.zhang.head, "minimum_living", "1200")
        complete(
            session,
            county,
            enrolment.reviews[0],
            "exit",
            findings="儿子大学毕业就业，人均收入超标",
            reason="收入超过标准",
        )
        assert enrolment.state == "exited"
        assert enrolment.ended_on == dt.date(2026, 4, 1)
        assert enrolment.active_key is None
        assert all(r.state == "done" for r in enrolment.reviews)
        locks = session.scalars(select(AssistanceMember.lock_person_id)).all()
        assert locks == [None, None, None]
        event = session.scalars(
            select(EventRecord).where(EventRecord.name == "assistance.enrolment_ended")
        ).one()
        assert event.payload["reason"] == "收入超过标准"
    with county.session() as session:  # the household may apply afresh
        create_application(
            session,
            actor=county.actor(session, "village"),
            id_number=county.zhang.head,
            programme_code="minimum_living",
        )


def test_an_enrolled_household_cannot_open_a_new_application_for_the_same_programme(county):
    from plugins.assistance.errors import AssistanceError

    with county.session() as session:
        approved(session, county, county.zhang.head, "minimum_living", "1200")
    with county.session() as session, pytest.raises(AssistanceError, match="正在享受城乡低保"):
        create_application(
            session,
            actor=county.actor(session, "town"),
            id_number=county.zhang.head,
            programme_code="minimum_living",
        )
    with county.session() as session:
        assert session.query(AssistanceApplication).count() == 1


def test_overdue_reviews_are_listed_oldest_first_within_the_scope(county, monkeypatch):
    with county.session() as session:
        approved(session, county, county.zhang.head, "minimum_living", "1200", category="stable")
        approved(session, county, county.wang.head, "minimum_living", "500")
        approved(session, county, county.chen.head, "extreme_poverty", "1140", care_level="full")
    today = dt.date(2027, 3, 5)
    with county.session() as session:
        everywhere = session.scalars(overdue_reviews(COUNTY_CODE, today)).all()
        assert [(r.enrolment.person.name, r.due_on) for r in everywhere] == [
            ("王大山", dt.date(2026, 9, 1)),
            ("张建国", dt.date(2027, 3, 1)),
            ("陈孤老", dt.date(2027, 3, 1)),
        ]
        village_only = session.scalars(overdue_reviews(VILLAGE, today)).all()
        assert {r.enrolment.person.name for r in village_only} == {"张建国", "陈孤老"}
        assert session.scalars(overdue_reviews(COUNTY_CODE, TODAY)).all() == []


def test_an_exited_enrolment_has_no_review_left_to_do(county):
    from plugins.assistance.workflow import ENROLMENT_WORKFLOW

    with county.session() as session:
        enrolment = approved(session, county, county.wang.head, "minimum_living", "500")
        ENROLMENT_WORKFLOW.apply(
            enrolment, "exit", county.actor(session, "town"), session, reason="死亡注销"
        )
        review = enrolment.reviews[0]
        assert (review.state, review.outcome) == ("done", "closed")
        assert session.scalars(select(AssistanceEnrolment.state)).all() == ["exited"]
