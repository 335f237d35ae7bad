"""The demo year of consultation: every village shows every stage, the records agree with the
rules, and it is built from a handful of queries."""

from __future__ import annotations

import collections
import random

from sqlalchemy import event, func, select

from core.db import utcnow
from core.demo import seed_demo
from core.models import Locality
from core.testing import COUNTY, add_person, seed_tree
from plugins.consultation import demo as consultation_demo
from plugins.consultation.evaluation import evaluation_status
from plugins.consultation.matters import run_escalation
from plugins.consultation.models import (
    ConsultationAgendaItem,
    ConsultationAssignment,
    ConsultationAttendee,
    ConsultationDeliberation,
    ConsultationEscalation,
    ConsultationMatter,
    ConsultationRating,
    ConsultationTriageDecision,
    ConsultationWish,
)
from plugins.consultation.workflow import OPEN_STATES


def test_the_demo_county_has_a_year_of_consistent_consultation(make_runtime):
    runtime = make_runtime(["consultation"])
    seed_demo(runtime, residents=400)
    now = utcnow()
    with runtime.db.transaction() as session:
        matters = session.scalars(select(ConsultationMatter)).all()
        villages = {m.locality_code[:12] for m in matters}
        assert len(villages) >= 12
        assert {m.state for m in matters} >= {"triaged", "in_progress", "resolved", "closed"}
        assert {m.triage for m in matters} >= {"major", "minor", "private"}
        assert min(m.submitted_at for m in matters) > now.replace(year=now.year - 1)
        leads = collections.Counter(
            a.matter_id
            for a in session.scalars(
                select(ConsultationAssignment).where(ConsultationAssignment.role == "lead")
            )
        )
        decisions = collections.Counter(
            d.matter_id for d in session.scalars(select(ConsultationTriageDecision))
        )
        for matter in matters:
            if matter.triage in ("major", "minor"):
                assert leads[matter.id] == 1 and decisions[matter.id] == 1, matter.id
            if matter.triage == "private":
                assert matter.state == "closed" and not matter.is_public and matter.guidance
            if matter.state in OPEN_STATES:
                # the daily escalation has caught up: open matters are on time or at the county
                assert matter.due_at >= now or matter.handling_level == "county"
            if matter.state in ("evaluated", "closed") and matter.triage != "private":
                status = evaluation_status(session, matter, now)
                assert status.concluded and not status.dissatisfied_majority, matter.id
            if matter.state == "resolved":
                assert not evaluation_status(session, matter, now).concluded, matter.id
            if matter.reopen_count:
                assert matter.evaluation_round == 2
        escalations = session.scalars(select(ConsultationEscalation)).all()
        assert escalations
        for e in escalations:
            assert e.from_level != e.to_level and e.escalated_at <= now
        ratings = session.scalars(select(ConsultationRating)).all()
        assert {r.verdict for r in ratings} == {"satisfied", "partly", "not_satisfied"}
        states = collections.Counter(
            d.state for d in session.scalars(select(ConsultationDeliberation))
        )
        assert states["published"] >= 12 and states["planned"] >= 1
        assert session.scalar(select(func.count()).select_from(ConsultationAttendee)) > 100
        assert session.scalar(
            select(func.count())
            .select_from(ConsultationAgendaItem)
            .where(ConsultationAgendaItem.votes_for.is_not(None))
        )
        wishes = collections.Counter(w.state for w in session.scalars(select(ConsultationWish)))
        assert wishes["posted"] and wishes["confirmed"]
    # right after seeding, nothing is left for the cron jobs: the demo history is complete
    assert run_escalation(runtime.db, now, "cli:test").escalated == []


def test_the_demo_is_built_from_a_handful_of_queries_whatever_the_size(make_runtime):
    runtime = make_runtime(["consultation"])
    with runtime.db.transaction(actor="system:demo", channel="cli") as session:
        seed_tree(session)
        for n in range(60):
            add_person(session, f"居民{n}", ["500243001001", "500243101001"][n % 2], 200 + n)
        from core.models import Organization

        for code in ("500243001001", "500243101001"):
            session.add(Organization(name=f"{code}议事会", kind="council", locality_code=code))
        session.flush()
        selects: list[str] = []

        @event.listens_for(runtime.db.engine, "before_cursor_execute")
        def record(_conn, _cursor, statement, _params, _context, _many):
            if statement.lstrip().upper().startswith("SELECT"):
                selects.append(statement)

        try:
            consultation_demo.seed(session, session.get(Locality, COUNTY[0]), random.Random(3))
        finally:
            event.remove(runtime.db.engine, "before_cursor_execute", record)
        assert session.scalar(select(func.count()).select_from(ConsultationMatter)) >= 12
    assert len(selects) < 15, selects
