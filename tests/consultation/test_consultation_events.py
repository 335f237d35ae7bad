"""The events other plugins react to: ``consultation.deliberation_attended`` and
``consultation.wish_fulfilled``: with consultation alone, with a reacting plugin, with points."""

from __future__ import annotations

import datetime as dt
import types

import pytest
from consultation_support import VILLAGE, populate, principal
from sqlalchemy import func, inspect, select, text

from core import hookimpl
from core.db import utcnow
from core.manifest import PluginManifest
from core.models import EventRecord
from core.plugin_manager import installed_entry_points
from plugins.consultation import deliberations, wishes
from plugins.consultation.models import ConsultationDeliberation, ConsultationWish

REACTIONS: list[tuple[str, str]] = []
"""What the probe plugin saw: (event name, key), each key stored once like a points ledger."""


class ProbeEntryPoint:
    """An installed entry point for a plugin module built in the test."""

    def __init__(self, module: types.ModuleType) -> None:
        self.name = module.MANIFEST.name
        self.value = f"tests.consultation:{self.name}"
        self.module = module

    def load(self) -> types.ModuleType:
        return self.module


def reacting_plugin() -> dict:
    """``eventprobe``: reacts to consultation's events by name only, exactly once per key."""
    module = types.ModuleType("eventprobe")
    module.MANIFEST = PluginManifest(
        name="eventprobe", title="事件探针", version="0.1.0", requires_core=">=0.1,<1"
    )

    @hookimpl
    def on_event(event, session):
        if event.name.startswith("consultation.") and (event.name, event.key()) not in REACTIONS:
            REACTIONS.append((event.name, event.key()))

    module.on_event = on_event
    return {**installed_entry_points(), "eventprobe": ProbeEntryPoint(module)}


def attend_and_fulfil(runtime, twice: bool = False) -> None:
    """A held meeting with two residents attending (recorded twice if asked) and a wish
    fulfilled by a volunteer."""
    with runtime.db.transaction(actor="system:test", channel="cli") as session:
        ids = runtime.ids
        actor = principal(runtime, session, "village")
        meeting = deliberations.plan_deliberation(
            session,
            locality_code=VILLAGE,
            title="议事",
            form="板凳会",
            held_at=utcnow() - dt.timedelta(hours=1),
            place="村口",
        )
        ConsultationDeliberation.__workflow__.apply(meeting, "hold", actor, session)
        for _ in range(2 if twice else 1):
            deliberations.record_attendance(
                session, meeting, "x", person_ids=[ids.reporter, ids.r2]
            )
        wish = wishes.post_wish(session, wisher_id=ids.elder, title="老花镜", description="看报")
        wishes.claim_wish(session, wish, actor, person_id=ids.volunteer)
        wishes.fulfil_wish(session, wish, actor)
        ConsultationWish.__workflow__.apply(wish, "confirm", actor, session)


def test_with_consultation_alone_the_events_are_stored_in_the_event_log(consult):
    attend_and_fulfil(consult)
    with consult.db.transaction() as session:
        names = session.scalars(select(EventRecord.name).order_by(EventRecord.id)).all()
    assert names == [
        "consultation.deliberation_attended",
        "consultation.deliberation_attended",
        "consultation.wish_fulfilled",
    ]


def test_a_plugin_reacting_by_event_name_sees_each_occurrence_once(make_runtime):
    REACTIONS.clear()
    runtime = make_runtime(["consultation", "eventprobe"], installed=reacting_plugin())
    with runtime.db.transaction() as session:
        runtime.ids = populate(session)
    attend_and_fulfil(runtime, twice=True)
    assert [name for name, _ in REACTIONS] == [
        "consultation.deliberation_attended",
        "consultation.deliberation_attended",
        "consultation.wish_fulfilled",
    ]
    with runtime.db.transaction() as session:
        attended = session.scalar(
            select(func.count())
            .select_from(EventRecord)
            .where(EventRecord.name == "consultation.deliberation_attended")
        )
    assert attended == 4  # recorded twice: the same two events again, with the same keys


def _points_rows(runtime) -> int:
    """Rows in every table of the points plugin (which this test does not import)."""
    with runtime.db.engine.connect() as connection:
        tables = [t for t in inspect(connection).get_table_names() if t.startswith("points_")]
        return sum(
            connection.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar() for table in tables
        )


def test_with_points_enabled_attendance_is_rewarded_once_even_if_recorded_twice(make_runtime):
    points = installed_entry_points()["points"].load()
    if not hasattr(points, "on_event"):
        pytest.skip("积分插件尚未实现 on_event")
    runtime = make_runtime(["points", "consultation"])
    with runtime.db.transaction() as session:
        runtime.ids = populate(session)
    before = _points_rows(runtime)
    attend_and_fulfil(runtime)
    once = _points_rows(runtime)
    assert once > before, "the points plugin wrote nothing for attendance or a fulfilled wish"
    with runtime.db.transaction(actor="system:test", channel="cli") as session:
        meeting = session.scalars(select(ConsultationDeliberation)).one()
        deliberations.record_attendance(
            session, meeting, "x", person_ids=[runtime.ids.reporter, runtime.ids.r2]
        )
    assert _points_rows(runtime) == once
