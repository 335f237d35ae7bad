"""Publishing a deliberation's results (公开协商结果) emits ``consultation.deliberation_published``:
the meeting's attendance and every agenda matter's outcome and vote, in the publication's own
transaction, so a plugin reacting by the event's name (the village compact adopted by the vote)
commits or rolls back together with the publication."""

from __future__ import annotations

import datetime as dt
import types

import pytest
from consultation_support import VILLAGE, populate, principal
from sqlalchemy import select

from core import hookimpl
from core.db import utcnow
from core.manifest import PluginManifest
from core.models import EventRecord
from core.plugin_manager import installed_entry_points
from core.workflow import WorkflowError
from plugins.consultation import deliberations, matters
from plugins.consultation.events import AgendaOutcome, DeliberationPublished
from plugins.consultation.models import ConsultationDeliberation

WORKFLOW = ConsultationDeliberation.__workflow__
SEEN: list[DeliberationPublished] = []


def held_meeting_with_two_matters(session, runtime, votes=(3, 1, 0)):
    """A held 院坝会 of 城南社区 with four residents present: one matter voted on, one only
    discussed, minutes written; returns (meeting, voted matter id, discussed matter id)."""
    ids = runtime.ids
    actor = principal(runtime, session, "village")
    meeting = deliberations.plan_deliberation(
        session,
        locality_code=VILLAGE,
        title="垃圾清运和路灯",
        form="院坝会",
        held_at=utcnow() - dt.timedelta(hours=2),
        place="城南社区院坝",
    )
    voted, discussed = (
        matters.submit_matter(
            session,
            locality_code=VILLAGE,
            item_code="B02",
            title=title,
            description="居民反映。",
            reporter_id=ids.reporter,
        )
        for title in ("垃圾清运不及时", "路灯不亮")
    )
    deliberations.add_agenda(session, meeting, [voted.id, discussed.id])
    WORKFLOW.apply(meeting, "hold", actor, session)
    deliberations.record_attendance(
        session, meeting, "x", person_ids=[ids.reporter, ids.r2, ids.r3, ids.r4]
    )
    deliberations.record_outcome(session, meeting, voted.id, "每日清运", votes)
    deliberations.record_outcome(session, meeting, discussed.id, "请供电所检修")
    deliberations.set_minutes(session, meeting, "到会 4 人。")
    return meeting, voted.id, discussed.id


def test_publishing_the_results_announces_attendance_outcomes_and_votes(consult):
    with consult.db.transaction(actor="account:village", channel="admin") as session:
        meeting, voted, discussed = held_meeting_with_two_matters(session, consult)
        assert (
            session.scalars(
                select(EventRecord).where(EventRecord.name == DeliberationPublished.name)
            ).all()
            == []
        )
        WORKFLOW.apply(meeting, "publish", principal(consult, session, "village"), session)
        meeting_id = meeting.id
    with consult.db.new_session() as session:
        stored = session.scalars(
            select(EventRecord).where(EventRecord.name == "consultation.deliberation_published")
        ).one()
    assert (stored.locality_code, stored.actor) == (VILLAGE, "account:village")
    assert stored.payload == {
        "locality_code": VILLAGE,
        "deliberation_id": meeting_id,
        "present": 4,
        "agenda": [
            {
                "matter_id": voted,
                "outcome": "每日清运",
                "votes_for": 3,
                "votes_against": 1,
                "votes_abstain": 0,
            },
            {
                "matter_id": discussed,
                "outcome": "请供电所检修",
                "votes_for": None,
                "votes_against": None,
                "votes_abstain": None,
            },
        ],
    }


def test_a_meeting_not_ready_to_publish_announces_nothing(consult):
    with consult.db.transaction() as session:
        meeting, _, _ = held_meeting_with_two_matters(session, consult)
        meeting.minutes = None
        with pytest.raises(WorkflowError, match="会议纪要"):
            WORKFLOW.apply(meeting, "publish", principal(consult, session, "village"), session)
        assert (
            session.scalars(
                select(EventRecord.id).where(EventRecord.name == DeliberationPublished.name)
            ).all()
            == []
        )


def test_the_same_results_announced_again_give_the_identical_event(consult):
    with consult.db.transaction() as session:
        meeting, voted, discussed = held_meeting_with_two_matters(session, consult)
        WORKFLOW.apply(meeting, "publish", principal(consult, session, "village"), session)
        again = deliberations.announce_results(session, meeting)
    expected = DeliberationPublished(
        locality_code=VILLAGE,
        deliberation_id=meeting.id,
        present=4,
        agenda=(
            AgendaOutcome(
                matter_id=voted,
                outcome="每日清运",
                votes_for=3,
                votes_against=1,
                votes_abstain=0,
            ),
            AgendaOutcome(
                matter_id=discussed,
                outcome="请供电所检修",
                votes_for=None,
                votes_against=None,
                votes_abstain=None,
            ),
        ),
    )
    assert again == expected
    assert again.key() == expected.key()


class ProbeEntryPoint:
    """An installed entry point for a plugin module built in the test."""

    def __init__(self, module: types.ModuleType) -> None:
        self.name = module.MANIFEST.name
        self.value = f"tests.consultation:{self.name}"
        self.module = module

    def load(self) -> types.ModuleType:
        return self.module


def refusing_plugin() -> dict:
    """``resultsprobe``: sees published results by the event's name and refuses a vote with
    more against than for, as a reaction that must not be lost would raise."""
    module = types.ModuleType("resultsprobe")
    module.MANIFEST = PluginManifest(
        name="resultsprobe", title="结果探针", version="0.1.0", requires_core=">=0.1,<1"
    )

    @hookimpl
    def on_event(event, session):
        if event.name != "consultation.deliberation_published":
            return
        SEEN.append(event)
        for item in event.payload()["agenda"]:
            if item["votes_for"] is not None and item["votes_against"] > item["votes_for"]:
                raise ValueError("探针拒绝：反对多于赞成")

    module.on_event = on_event
    return {**installed_entry_points(), "resultsprobe": ProbeEntryPoint(module)}


def test_a_reaction_runs_in_the_publications_transaction(make_runtime):
    SEEN.clear()
    runtime = make_runtime(["consultation", "resultsprobe"], installed=refusing_plugin())
    with runtime.db.transaction() as session:
        runtime.ids = populate(session)
    with runtime.db.transaction() as session:
        meeting, _, _ = held_meeting_with_two_matters(session, runtime, votes=(1, 3, 0))
        meeting_id = meeting.id
    with pytest.raises(ValueError, match="探针拒绝"), runtime.db.transaction() as session:
        meeting = session.get(ConsultationDeliberation, meeting_id)
        WORKFLOW.apply(meeting, "publish", principal(runtime, session, "village"), session)
    assert [event.deliberation_id for event in SEEN] == [meeting_id]
    with runtime.db.new_session() as session:
        assert session.get(ConsultationDeliberation, meeting_id).state == "held"
        assert (
            session.scalars(
                select(EventRecord.id).where(EventRecord.name == DeliberationPublished.name)
            ).all()
            == []
        )
