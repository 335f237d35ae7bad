"""Matters as a village handles them: the catalogue, 三事分流, 四办, time limits and escalation."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from consultation_support import FAR_VILLAGE, NEIGHBOUR, TOWN, VILLAGE, principal
from sqlalchemy import func, select

from core.db import utcnow
from core.models import AuditEntry
from core.security import SystemActor
from core.workflow import WorkflowError
from plugins.consultation import matters
from plugins.consultation.errors import ConsultationError
from plugins.consultation.models import (
    ConsultationAssignment,
    ConsultationEscalation,
    ConsultationMatter,
    ConsultationTriageDecision,
)

WORKFLOW = ConsultationMatter.__workflow__


def submit(session, runtime, item="B02", **extra):
    data = {
        "locality_code": VILLAGE,
        "item_code": item,
        "title": "垃圾清运不及时",
        "description": "小区垃圾三天没人清运。",
        "reporter_id": runtime.ids.reporter,
    }
    data.update(extra)
    return matters.submit_matter(session, **data)


def accepted(session, runtime, item="B02", **extra):
    matter = submit(session, runtime, item, **extra)
    WORKFLOW.apply(matter, "accept", principal(runtime, session, "village"), session)
    return matter


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- catalogue and submission --------------------------------------------------------------------


def test_a_matter_takes_its_category_and_default_triage_from_the_pengshui_catalogue(consult):
    with consult.db.transaction() as session:
        matter = submit(session, consult, item="B01", title="村道塌方")
        assert (matter.category_code, matter.item_code) == ("B", "B01")
        assert matter.default_triage == "major" and matter.triage is None
        assert matter.state == "submitted" and matter.handling_level == "village"
        assert matter.due_at == matter.submitted_at + dt.timedelta(days=3)
        private = submit(session, consult, item="D01", title="邻里噪音")
        assert private.default_triage == "private" and private.is_public is False
        assert private.due_at == private.submitted_at + dt.timedelta(days=5)  # guidance in 5 days
        asked_public = submit(session, consult, item="D03", is_public=True)
        assert asked_public.is_public is False


def test_an_unknown_catalogue_item_is_refused_naming_the_field_and_nothing_is_written(consult):
    with pytest.raises(ConsultationError) as caught, consult.db.transaction() as session:
        submit(session, consult, item="Z99")
    assert caught.value.field == "item_code"
    assert "Z99" in caught.value.message and "清单" in caught.value.message
    with consult.db.transaction() as session:
        assert count(session, ConsultationMatter) == 0


def test_a_county_can_replace_the_catalogue_in_its_settings(make_runtime):
    from consultation_support import populate

    catalogue = [
        {
            "code": "X",
            "name": "民生类",
            "items": [{"code": "X1", "name": "饮水", "triage": "major"}],
        }
    ]
    runtime = make_runtime(
        ["consultation"],
        settings={"consultation": {"county_catalogues": {"500243000000": catalogue}}},
    )
    with runtime.db.transaction() as session:
        runtime.ids = populate(session)
        matter = submit(session, runtime, item="X1")
        assert matter.default_triage == "major"
        with pytest.raises(ConsultationError, match="B02"):
            submit(session, runtime, item="B02")


def test_a_resident_can_only_report_a_matter_of_their_own_village(consult):
    with consult.db.transaction() as session:
        with pytest.raises(ConsultationError, match="不是本村"):
            submit(session, consult, reporter_id=consult.ids.neighbour)
        with pytest.raises(ConsultationError, match="反映人"):
            submit(session, consult, reporter_id=None)
        with pytest.raises(ConsultationError, match="不是村"):
            submit(session, consult, locality_code=TOWN)
        with pytest.raises(ConsultationError, match="管辖范围"):
            submit(session, consult, scope_code=NEIGHBOUR)
        hotline = submit(session, consult, source="hotline", reporter_id=None)
        assert hotline.reporter_id is None


# --- triage --------------------------------------------------------------------------------------


def test_a_small_matter_stays_in_the_village_led_by_its_committee(consult):
    with consult.db.transaction() as session:
        matter = accepted(session, consult)
        actor = principal(consult, session, "village")
        matters.triage_matter(session, matter, actor, "minor")
        assert matter.state == "triaged" and matter.triage == "minor"
        assert matter.handling_level == "village"
        lead = session.scalars(
            select(ConsultationAssignment).where(ConsultationAssignment.matter_id == matter.id)
        ).one()
        assert (lead.role, lead.organization_id) == ("lead", consult.ids.orgs.committee)
        assert matter.due_at == matter.submitted_at + dt.timedelta(days=15)
        decision = session.scalars(select(ConsultationTriageDecision)).one()
        assert (decision.previous, decision.triage, decision.decided_by) == (
            None,
            "minor",
            "account:village",
        )


def test_a_big_matter_routes_to_a_government_department_or_the_township(consult):
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        road = accepted(session, consult, item="B01")
        matters.triage_matter(
            session, road, actor, "major", lead_organization_id=consult.ids.orgs.department
        )
        assert (road.handling_level, road.due_at - road.submitted_at) == (
            "county",
            dt.timedelta(days=30),
        )
        school = accepted(session, consult, item="B03")
        matters.triage_matter(
            session, school, actor, "major", lead_organization_id=consult.ids.orgs.town_committee
        )
        assert school.handling_level == "town"
        other = accepted(session, consult, item="B01")
        with pytest.raises(ConsultationError, match="大事交由政府部门或乡镇"):
            matters.triage_matter(
                session, other, actor, "major", lead_organization_id=consult.ids.orgs.committee
            )
        with pytest.raises(ConsultationError, match="大事交由政府部门或乡镇"):
            matters.triage_matter(
                session, other, actor, "major", lead_organization_id=consult.ids.orgs.other_town
            )
        with pytest.raises(ConsultationError, match="须指定领办"):
            matters.triage_matter(session, other, actor, "major")


def test_a_private_matter_closes_with_guidance_to_the_resident(consult):
    with consult.db.transaction() as session:
        matter = accepted(session, consult, item="D03", title="想找人修水管")
        actor = principal(consult, session, "village")
        with pytest.raises(ConsultationError, match="办理途径"):
            matters.triage_matter(session, matter, actor, "private")
        matters.triage_matter(
            session, matter, actor, "private", guidance="可联系社区便民服务站推荐的维修师傅"
        )
        assert matter.state == "closed" and matter.closed_at is not None
        assert matter.is_public is False and matter.due_at is None


def test_routing_a_private_matter_to_a_department_needs_a_reason_and_writes_nothing_without(
    consult,
):
    with consult.db.transaction() as session:
        matter_id = accepted(session, consult, item="D01").id
    with pytest.raises(ConsultationError) as caught, consult.db.transaction() as session:
        matter = session.get(ConsultationMatter, matter_id)
        matters.triage_matter(
            session,
            matter,
            principal(consult, session, "village"),
            "major",
            lead_organization_id=consult.ids.orgs.department,
        )
    assert caught.value.field == "reason"
    assert "私事" in caught.value.message and "理由" in caught.value.message
    with consult.db.transaction() as session:
        matter = session.get(ConsultationMatter, matter_id)
        assert (matter.state, matter.triage) == ("accepted", None)
        assert (
            count(session, ConsultationTriageDecision)
            == count(session, ConsultationAssignment)
            == 0
        )
        matters.triage_matter(
            session,
            matter,
            principal(consult, session, "village"),
            "major",
            reason="邻里纠纷涉及宅基地确权，需农业农村部门处理",
            lead_organization_id=consult.ids.orgs.department,
        )
        assert matter.triage == "major" and matter.triage_reason.startswith("邻里纠纷")


def test_staff_can_change_the_triage_later_only_with_a_reason(consult):
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        matter = accepted(session, consult)
        matters.triage_matter(session, matter, actor, "minor")
        with pytest.raises(ConsultationError, match="理由"):
            matters.change_triage(
                session,
                matter,
                actor,
                "major",
                reason=None,
                lead_organization_id=consult.ids.orgs.town_committee,
            )
        matters.change_triage(
            session,
            matter,
            actor,
            "major",
            reason="需要街道协调环卫公司",
            lead_organization_id=consult.ids.orgs.town_committee,
        )
        assert matter.triage == "major" and matter.handling_level == "town"
        assert matter.due_at == matter.submitted_at + dt.timedelta(days=30)
        leads = session.scalars(
            select(ConsultationAssignment).where(ConsultationAssignment.role == "lead")
        ).all()
        assert [a.organization_id for a in leads] == [consult.ids.orgs.town_committee]
        decisions = session.scalars(
            select(ConsultationTriageDecision).order_by(ConsultationTriageDecision.id)
        ).all()
        assert [(d.previous, d.triage) for d in decisions] == [(None, "minor"), ("minor", "major")]


def test_only_an_accepted_matter_can_be_triaged_and_only_with_the_permission(consult):
    with consult.db.transaction() as session:
        matter = submit(session, consult)
        with pytest.raises(WorkflowError, match="只有已受理"):
            matters.triage_matter(session, matter, principal(consult, session, "village"), "minor")

        class Nobody:
            label = "account:nobody"

            def has_permission(self, code):
                return False

        WORKFLOW.apply(matter, "accept", principal(consult, session, "village"), session)
        with pytest.raises(WorkflowError, match="权限"):
            matters.triage_matter(session, matter, Nobody(), "minor")


# --- 四办 ---------------------------------------------------------------------------------------


def test_four_parties_lead_deliberate_assist_and_supervise_each_at_its_own_level(consult):
    orgs = consult.ids.orgs
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        matter = accepted(session, consult)
        matters.triage_matter(session, matter, actor, "minor")
        matters.assign(session, matter, actor, "deliberate", orgs.council)
        with pytest.raises(ConsultationError, match="层级更高"):
            matters.assign(session, matter, actor, "supervise", orgs.merchant)
        matters.assign(session, matter, actor, "assist", orgs.merchant)
        with pytest.raises(ConsultationError, match="不能兼任"):
            matters.assign(session, matter, actor, "supervise", orgs.council)
        with pytest.raises(ConsultationError, match="不在本事项所在村"):
            matters.assign(session, matter, actor, "supervise", orgs.neighbour_committee)
        matters.assign(session, matter, actor, "supervise", orgs.town_committee)
        with pytest.raises(ConsultationError, match="已有督办"):
            matters.assign(session, matter, actor, "supervise", orgs.department)
        with pytest.raises(ConsultationError, match="分流时确定"):
            matters.assign(session, matter, actor, "lead", orgs.department)
        roles = {
            (a.role, a.level)
            for a in session.scalars(
                select(ConsultationAssignment).where(ConsultationAssignment.matter_id == matter.id)
            )
        }
        assert roles == {
            ("lead", "village"),
            ("deliberate", "village"),
            ("assist", "village"),
            ("supervise", "town"),
        }


# --- work, resolution --------------------------------------------------------------------------


def test_a_matter_is_started_resolved_and_its_resolution_time_kept(consult):
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        matter = accepted(session, consult)
        matters.triage_matter(session, matter, actor, "minor")
        WORKFLOW.apply(matter, "start", actor, session)
        with pytest.raises(ConsultationError, match="办理结果"):
            matters.resolve(session, matter, actor, "  ")
        matters.resolve(session, matter, actor, "已协调环卫公司每日清运")
        assert matter.state == "resolved" and matter.due_at is None
        assert matter.resolve_seconds == int(
            (matter.resolved_at - matter.submitted_at).total_seconds()
        )


# --- time limits and escalation ------------------------------------------------------------------


def _overdue(session, runtime, days_ago: int, **extra) -> ConsultationMatter:
    matter = submit(session, runtime, **extra)
    matter.submitted_at = utcnow() - dt.timedelta(days=days_ago)
    matter.due_at = matter.submitted_at + dt.timedelta(days=3)
    return matter


def test_an_overdue_small_matter_goes_to_the_township_and_a_big_one_to_the_county(consult):
    with consult.db.transaction() as session:
        actor = principal(consult, session, "village")
        small = _overdue(session, consult, 20, title="小事逾期")
        WORKFLOW.apply(small, "accept", actor, session)
        matters.triage_matter(session, small, actor, "minor")  # due 15 days after submission
        big = _overdue(session, consult, 40, item="B01", title="大事逾期")
        WORKFLOW.apply(big, "accept", actor, session)
        matters.triage_matter(
            session, big, actor, "major", lead_organization_id=consult.ids.orgs.town_committee
        )
        on_time = submit(session, consult, title="刚提交")
        ids = small.id, big.id, on_time.id
    now = utcnow()
    report = matters.run_escalation(consult.db, now, "cli:cron")
    assert sorted((i, f, t) for i, _, f, t in report.escalated) == [
        (ids[0], "village", "town"),
        (ids[1], "town", "county"),
    ]
    with consult.db.transaction() as session:
        small, big, on_time = (session.get(ConsultationMatter, i) for i in ids)
        assert (small.handling_level, small.escalation_count) == ("town", 1)
        assert big.handling_level == "county"
        assert small.due_at == now + dt.timedelta(days=7)
        assert on_time.handling_level == "village" and on_time.escalation_count == 0
        rows = session.scalars(
            select(ConsultationEscalation).order_by(ConsultationEscalation.matter_id)
        ).all()
        assert [(r.matter_id, r.sequence, r.from_level, r.to_level) for r in rows] == [
            (ids[0], 1, "village", "town"),
            (ids[1], 1, "town", "county"),
        ]
        audited = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.table_name == "consultation_escalation")
        )
        assert audited == 2


def test_escalation_is_idempotent_and_goes_no_higher_than_the_county(consult):
    with consult.db.transaction() as session:
        matter_id = _overdue(session, consult, 10).id
    now = utcnow()
    assert len(matters.run_escalation(consult.db, now, "cli:cron").escalated) == 1
    again = matters.run_escalation(consult.db, now, "cli:cron")
    assert again.escalated == [] and again.at_top == 0
    later = now + dt.timedelta(days=8)
    assert [t for *_, t in matters.run_escalation(consult.db, later, "cli:cron").escalated] == [
        "county"
    ]
    much_later = later + dt.timedelta(days=8)
    last = matters.run_escalation(consult.db, much_later, "cli:cron")
    assert last.escalated == [] and last.at_top == 1
    with consult.db.transaction() as session:
        assert session.get(ConsultationMatter, matter_id).escalation_count == 2
        assert count(session, ConsultationEscalation) == 2
        overdue = session.scalars(matters.overdue_statement(VILLAGE, much_later)).all()
        assert [m.id for m in overdue] == [matter_id]
        assert session.scalars(matters.overdue_statement(FAR_VILLAGE, much_later)).all() == []


def test_escalation_can_be_limited_to_one_scope(consult):
    with consult.db.transaction() as session:
        _overdue(session, consult, 10)
    with consult.db.transaction() as session:
        report = matters.escalate_overdue(session, utcnow(), SystemActor(), scope_code=NEIGHBOUR)
        assert report.escalated == []


def test_two_escalation_runs_at_the_same_moment_escalate_each_matter_once(consult):
    with consult.db.transaction() as session:
        ids = [_overdue(session, consult, 10, title=f"逾期{n}").id for n in range(5)]
    now = utcnow()
    barrier = threading.Barrier(2)
    reports: list[matters.EscalationReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            reports.append(matters.run_escalation(consult.db, now, "cli:cron"))
        except BaseException as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(len(r.escalated) for r in reports) == [0, 5]
    with consult.db.transaction() as session:
        assert count(session, ConsultationEscalation) == 5
        assert {session.get(ConsultationMatter, i).escalation_count for i in ids} == {1}
