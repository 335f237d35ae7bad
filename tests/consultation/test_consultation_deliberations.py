"""Deliberations (议事协商): a meeting of a configured form, its agenda, attendance, outcomes,
votes and publication; each resident's attendance is a domain event."""

from __future__ import annotations

import datetime as dt

import pytest
from consultation_support import FAR_VILLAGE, NEIGHBOUR, TOWN, VILLAGE, principal
from sqlalchemy import func, select

from core.db import utcnow
from core.models import EventRecord
from core.workflow import WorkflowError
from plugins.consultation import deliberations, matters
from plugins.consultation.errors import ConsultationError
from plugins.consultation.events import DeliberationAttended
from plugins.consultation.models import (
    ConsultationAgendaItem,
    ConsultationAttendee,
    ConsultationDeliberation,
)

WORKFLOW = ConsultationDeliberation.__workflow__


def meeting(session, locality=VILLAGE, when=None, form="院坝会"):
    return deliberations.plan_deliberation(
        session,
        locality_code=locality,
        title="垃圾清运怎么办",
        form=form,
        held_at=when or utcnow() - dt.timedelta(hours=2),
        place="城南社区院坝",
    )


def matter(session, runtime, locality=VILLAGE, reporter=None):
    return matters.submit_matter(
        session,
        locality_code=locality,
        item_code="B02",
        title="垃圾清运不及时",
        description="三天没人清运。",
        reporter_id=reporter or runtime.ids.reporter,
    )


def events(session, name="consultation.deliberation_attended"):
    return session.scalars(select(EventRecord).where(EventRecord.name == name)).all()


def test_meeting_forms_come_from_the_settings(make_runtime):
    from consultation_support import populate

    runtime = make_runtime(
        ["consultation"], settings={"consultation": {"meeting_forms": ["坝坝会"]}}
    )
    with runtime.db.transaction() as session:
        populate(session)
        assert meeting(session, form="坝坝会").form == "坝坝会"
        with pytest.raises(ConsultationError, match="坝坝会") as caught:
            meeting(session, form="院坝会")
        assert caught.value.field == "form"


def test_each_resident_attending_emits_one_event_for_the_points_plugin(consult):
    ids = consult.ids
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        deliberation = meeting(session)
        WORKFLOW.apply(deliberation, "hold", actor, session)
        added = deliberations.record_attendance(
            session,
            deliberation,
            "account:village",
            person_ids=[ids.reporter, ids.r2, ids.r2],
            organization_ids=[ids.orgs.council, ids.orgs.town_committee],
        )
        assert added == 4
        stored = events(session)
        assert sorted(e.payload["person_id"] for e in stored) == sorted([ids.reporter, ids.r2])
        assert {e.locality_code for e in stored} == {VILLAGE}
        assert {e.payload["deliberation_id"] for e in stored} == {deliberation.id}
        assert set(stored[0].payload) == {"locality_code", "person_id", "deliberation_id"}


def test_recording_the_same_attendance_again_adds_no_row_and_repeats_the_identical_event(consult):
    ids = consult.ids
    seen: list[DeliberationAttended] = []
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        deliberation = meeting(session)
        WORKFLOW.apply(deliberation, "hold", actor, session)
        deliberations.record_attendance(session, deliberation, "x", person_ids=[ids.r3])
        again = deliberations.record_attendance(session, deliberation, "x", person_ids=[ids.r3])
        assert again == 0
        rows = session.scalar(select(func.count()).select_from(ConsultationAttendee))
        assert rows == 1
        stored = events(session)
        assert len(stored) == 2 and stored[0].payload == stored[1].payload
        for record in stored:
            seen.append(DeliberationAttended(**record.payload))
    assert seen[0].key() == seen[1].key()


def test_attendees_from_outside_the_village_are_refused_by_name_and_nothing_is_written(consult):
    ids = consult.ids
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        deliberation_id = meeting(session).id
        WORKFLOW.apply(
            session.get(ConsultationDeliberation, deliberation_id), "hold", actor, session
        )
    with pytest.raises(ConsultationError) as caught, consult.db.transaction() as session:
        deliberations.record_attendance(
            session,
            session.get(ConsultationDeliberation, deliberation_id),
            "x",
            person_ids=[ids.reporter, ids.neighbour],
        )
    assert caught.value.field == "person_ids"
    assert "孙八" in caught.value.message and "不在本次会议所在区划内" in caught.value.message
    with pytest.raises(ConsultationError, match="保家镇") as caught, consult.db.transaction() as s:
        deliberations.record_attendance(
            s,
            s.get(ConsultationDeliberation, deliberation_id),
            "x",
            organization_ids=[ids.orgs.other_town],
        )
    with consult.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ConsultationAttendee)) == 0
        assert events(session) == []


def test_a_township_round_table_may_gather_residents_of_all_its_villages(consult):
    ids = consult.ids
    with consult.db.transaction() as session:
        actor = principal(consult, session, "town")
        round_table = meeting(session, locality=TOWN, form="圆桌对话会")
        WORKFLOW.apply(round_table, "hold", actor, session)
        deliberations.record_attendance(
            session, round_table, "x", person_ids=[ids.reporter, ids.neighbour]
        )
        with pytest.raises(ConsultationError, match="周九"):
            deliberations.record_attendance(session, round_table, "x", person_ids=[ids.far])


def test_attendance_is_recorded_only_once_the_meeting_has_been_held(consult):
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        future = meeting(session, when=utcnow() + dt.timedelta(days=2))
        with pytest.raises(ConsultationError, match="召开后"):
            deliberations.record_attendance(session, future, "x", person_ids=[consult.ids.r2])
        with pytest.raises(WorkflowError, match="还没到"):
            WORKFLOW.apply(future, "hold", actor, session)


def test_the_agenda_takes_matters_of_the_meeting_village_only(consult):
    with consult.db.transaction() as session:
        deliberation = meeting(session)
        own = matter(session, consult)
        other = matter(session, consult, locality=NEIGHBOUR, reporter=consult.ids.neighbour)
        far = matter(session, consult, locality=FAR_VILLAGE, reporter=consult.ids.far)
        with pytest.raises(ConsultationError, match="不属于本次会议"):
            deliberations.add_agenda(session, deliberation, [own.id, other.id])
        assert session.scalar(select(func.count()).select_from(ConsultationAgendaItem)) == 0
        deliberations.add_agenda(session, deliberation, [own.id])
        with pytest.raises(ConsultationError, match="已在议程中"):
            deliberations.add_agenda(session, deliberation, [own.id])
        with pytest.raises(ConsultationError, match="不存在"):
            deliberations.add_agenda(session, deliberation, [999999])
        assert far.id


def test_outcomes_votes_and_minutes_before_publication(consult):
    ids = consult.ids
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        deliberation = meeting(session)
        own = matter(session, consult)
        deliberations.add_agenda(session, deliberation, [own.id])
        WORKFLOW.apply(deliberation, "hold", actor, session)
        with pytest.raises(WorkflowError, match="会议纪要"):
            WORKFLOW.apply(deliberation, "publish", actor, session)
        deliberations.set_minutes(session, deliberation, "到会 4 人，议定每日清运。")
        with pytest.raises(WorkflowError, match="参会人员"):
            WORKFLOW.apply(deliberation, "publish", actor, session)
        deliberations.record_attendance(
            session, deliberation, "x", person_ids=[ids.reporter, ids.r2, ids.r3, ids.r4]
        )
        with pytest.raises(WorkflowError, match="1 个议题"):
            WORKFLOW.apply(deliberation, "publish", actor, session)
        with pytest.raises(ConsultationError, match="超过了登记的参会人数 4"):
            deliberations.record_outcome(session, deliberation, own.id, "每日清运", (3, 1, 1))
        with pytest.raises(ConsultationError, match="三项"):
            deliberations.record_outcome(session, deliberation, own.id, "每日清运", (3, None, 1))
        with pytest.raises(ConsultationError, match="负数"):
            deliberations.record_outcome(session, deliberation, own.id, "每日清运", (3, -1, 1))
        item = deliberations.record_outcome(session, deliberation, own.id, "每日清运", (3, 1, 0))
        assert (item.votes_for, item.votes_against, item.votes_abstain) == (3, 1, 0)
        WORKFLOW.apply(deliberation, "publish", actor, session)
        assert deliberation.state == "published"
        with pytest.raises(ConsultationError, match="结果已公开"):
            deliberations.record_attendance(session, deliberation, "x", person_ids=[ids.r5])
        upcoming, past = deliberations.upcoming_and_past(session, VILLAGE)
        assert (upcoming, [d.id for d in past]) == ([], [deliberation.id])


def test_a_cancelled_meeting_keeps_its_reason(consult):
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        deliberation = meeting(session, when=utcnow() + dt.timedelta(days=1))
        with pytest.raises(WorkflowError, match="理由"):
            WORKFLOW.apply(deliberation, "cancel", actor, session)
        WORKFLOW.apply(deliberation, "cancel", actor, session, reason="暴雨")
        assert (deliberation.state, deliberation.reason) == ("cancelled", "暴雨")
