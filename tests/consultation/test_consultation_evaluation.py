"""Residents judge the result (治理效果大家评): who may rate, once each, and a "not satisfied"
majority reopens the matter."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from consultation_support import VILLAGE, principal
from sqlalchemy import func, select

from core.db import utcnow
from core.security import SystemActor
from core.workflow import WorkflowError
from plugins.consultation import matters
from plugins.consultation.errors import ConsultationError
from plugins.consultation.evaluation import evaluation_status, rate
from plugins.consultation.models import ConsultationMatter, ConsultationRating

WORKFLOW = ConsultationMatter.__workflow__


def resolved_matter(session, runtime) -> ConsultationMatter:
    actor = principal(runtime, session, "village")
    matter = matters.submit_matter(
        session,
        locality_code=VILLAGE,
        item_code="B02",
        title="垃圾清运不及时",
        description="三天没人清运。",
        reporter_id=runtime.ids.reporter,
    )
    WORKFLOW.apply(matter, "accept", actor, session)
    matters.triage_matter(session, matter, actor, "minor")
    WORKFLOW.apply(matter, "start", actor, session)
    matters.resolve(session, matter, actor, "已协调每日清运")
    return matter


def ratings(session) -> int:
    return session.scalar(select(func.count()).select_from(ConsultationRating))


def test_any_resident_of_the_village_may_rate_not_just_the_reporter(consult):
    ids = consult.ids
    with consult.db.transaction() as session:
        matter = resolved_matter(session, consult)
        for person in (ids.reporter, ids.r2, ids.elder):
            rate(session, matter, person, "satisfied", None, "account:village")
        with pytest.raises(ConsultationError, match="不是本村") as caught:
            rate(session, matter, ids.neighbour, "satisfied", None, "account:village")
        assert caught.value.field == "person_id"
        assert ratings(session) == 3


def test_a_resident_rates_once_per_round_and_a_second_rating_writes_nothing(consult):
    with consult.db.transaction() as session:
        matter_id = resolved_matter(session, consult).id
        rate(
            session,
            session.get(ConsultationMatter, matter_id),
            consult.ids.r2,
            "partly",
            "还行",
            "x",
        )
    refused = pytest.raises(ConsultationError, match="已经评价过")
    with refused as caught, consult.db.transaction() as session:
        rate(
            session,
            session.get(ConsultationMatter, matter_id),
            consult.ids.r2,
            "satisfied",
            None,
            "x",
        )
    assert caught.value.field == "person_id"
    with consult.db.transaction() as session:
        assert ratings(session) == 1
        assert session.scalar(select(ConsultationRating.verdict)) == "partly"


def test_only_a_resolved_matter_can_be_rated_and_only_with_a_known_verdict(consult):
    with consult.db.transaction() as session:
        matter = matters.submit_matter(
            session,
            locality_code=VILLAGE,
            item_code="B02",
            title="t",
            description="d",
            reporter_id=consult.ids.reporter,
        )
        with pytest.raises(ConsultationError, match="已办结"):
            rate(session, matter, consult.ids.r2, "satisfied", None, "x")
        matter = resolved_matter(session, consult)
        with pytest.raises(ConsultationError, match="满意") as caught:
            rate(session, matter, consult.ids.r2, "great", None, "x")
        assert caught.value.field == "verdict"


def test_a_not_satisfied_majority_reopens_the_matter_for_a_new_round(consult):
    ids = consult.ids
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        matter = resolved_matter(session, consult)
        rate(session, matter, ids.reporter, "not_satisfied", "还是没人清运", "x")
        rate(session, matter, ids.r2, "not_satisfied", None, "x")
        with pytest.raises(WorkflowError, match="评议尚未结束"):
            WORKFLOW.apply(matter, "reopen", actor, session)
        rate(session, matter, ids.r3, "satisfied", None, "x")
        assert [t.name for t in WORKFLOW.allowed(matter, actor, session)] == ["reopen"]
        with pytest.raises(WorkflowError, match="重新办理"):
            WORKFLOW.apply(matter, "evaluate", actor, session)
        assert matters.conclude_evaluation(session, matter, actor) == "reopen"
        assert (matter.state, matter.evaluation_round, matter.reopen_count) == ("in_progress", 2, 1)
        assert matter.resolved_at is None and matter.due_at > utcnow()
        # the new round starts empty; the same residents may rate again after the next resolution
        matters.resolve(session, matter, actor, "已更换保洁公司")
        for person in (ids.reporter, ids.r2, ids.r3):
            rate(session, matter, person, "satisfied", None, "x")
        assert matters.conclude_evaluation(session, matter, actor) == "evaluate"
        WORKFLOW.apply(matter, "close", actor, session)
        assert matter.state == "closed"


def test_an_even_split_is_not_a_majority_and_partly_satisfied_counts_against_it(consult):
    ids = consult.ids
    with consult.db.transaction() as session:
        matter = resolved_matter(session, consult)
        rate(session, matter, ids.reporter, "not_satisfied", None, "x")
        rate(session, matter, ids.r2, "not_satisfied", None, "x")
        rate(session, matter, ids.r3, "partly", None, "x")
        rate(session, matter, ids.r4, "satisfied", None, "x")
        status = evaluation_status(session, matter, utcnow())
        assert status.counts == {"satisfied": 1, "partly": 1, "not_satisfied": 2}
        assert status.concluded and not status.dissatisfied_majority
        assert matters.conclude_evaluation(session, matter, SystemActor()) == "evaluate"


def test_the_evaluation_ends_when_the_period_is_over_even_with_few_ratings(consult):
    with consult.db.transaction() as session:
        matter = resolved_matter(session, consult)
        rate(session, matter, consult.ids.r2, "not_satisfied", None, "x")
        assert not evaluation_status(session, matter, utcnow()).concluded
        matter.resolved_at = utcnow() - dt.timedelta(days=8)
        quiet = resolved_matter(session, consult)
        quiet.resolved_at = utcnow() - dt.timedelta(days=8)
        done = matters.conclude_due_evaluations(session, SystemActor())
        assert done == {"evaluate": 1, "reopen": 1}
        assert (matter.state, quiet.state) == ("in_progress", "evaluated")


def test_two_simultaneous_ratings_by_the_same_resident_store_one(consult):
    with consult.db.transaction() as session:
        matter_id = resolved_matter(session, consult).id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(verdict: str) -> None:
        try:
            with consult.db.transaction() as session:
                matter = session.get(ConsultationMatter, matter_id)
                barrier.wait()
                rate(session, matter, consult.ids.r5, verdict, None, "x")
            outcomes.append("stored")
        except ConsultationError as exc:
            outcomes.append(exc.message)

    threads = [threading.Thread(target=attempt, args=(v,)) for v in ("satisfied", "partly")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("stored") == 1
    assert any("已经评价过" in o for o in outcomes)
    with consult.db.transaction() as session:
        assert ratings(session) == 1
