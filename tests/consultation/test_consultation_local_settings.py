"""一村一策 in 协商议事: a village's own acceptance and handling time limits, forms of meeting and
evaluation quorum apply to its matters and meetings; its neighbour keeps the county's values; the
catalogue, escalation time and upload limit stay county-wide and cannot be overridden."""

from __future__ import annotations

import datetime as dt

import pytest
from consultation_support import NEIGHBOUR, TOWN, VILLAGE, principal
from sqlalchemy import func, select

from core.db import utcnow
from core.models import SettingOverride
from core.security import SystemActor
from core.settings import SettingOverrideError, check_override, overridable_settings
from plugins.consultation import deliberations, matters
from plugins.consultation.errors import ConsultationError
from plugins.consultation.evaluation import rate
from plugins.consultation.models import ConsultationMatter

WORKFLOW = ConsultationMatter.__workflow__
STAFF = {VILLAGE: "village", NEIGHBOUR: "neighbour"}


def override(runtime, code: str, key: str, value) -> None:
    """Set ``key`` for ``code`` as the admin does: checked first, then written (and audited)."""
    with runtime.db.transaction(actor="test") as session:
        check_override(session, "consultation", key, value, code)
        session.add(
            SettingOverride(
                locality_code=code, plugin="consultation", key=key, value=value, reason="村民会议"
            )
        )


def submitted(session, runtime, code: str) -> ConsultationMatter:
    reporter = runtime.ids.reporter if code == VILLAGE else runtime.ids.neighbour
    return matters.submit_matter(
        session,
        locality_code=code,
        item_code="B02",
        title="垃圾清运不及时",
        description="三天没人清运。",
        reporter_id=reporter,
    )


def triaged_as_minor(session, runtime, code: str) -> ConsultationMatter:
    matter = submitted(session, runtime, code)
    actor = principal(runtime, session, STAFF[code])
    WORKFLOW.apply(matter, "accept", actor, session)
    matters.triage_matter(session, matter, actor, "minor")
    return matter


def resolved(session, runtime, code: str) -> ConsultationMatter:
    matter = triaged_as_minor(session, runtime, code)
    actor = principal(runtime, session, STAFF[code])
    WORKFLOW.apply(matter, "start", actor, session)
    matters.resolve(session, matter, actor, "已协调每日清运")
    return matter


def test_a_village_accepts_in_two_days_and_handles_small_matters_in_ten(consult):
    override(consult, VILLAGE, "acceptance_days", 2)
    override(consult, VILLAGE, "deadline_days", {"major": 30, "minor": 10, "private": 5})
    with consult.db.transaction() as session:
        ours, theirs = submitted(session, consult, VILLAGE), submitted(session, consult, NEIGHBOUR)
        assert ours.due_at == ours.submitted_at + dt.timedelta(days=2)
        assert theirs.due_at == theirs.submitted_at + dt.timedelta(days=3)
        ours, theirs = (triaged_as_minor(session, consult, c) for c in (VILLAGE, NEIGHBOUR))
        assert ours.due_at == ours.submitted_at + dt.timedelta(days=10)
        assert theirs.due_at == theirs.submitted_at + dt.timedelta(days=15)


def test_a_reopened_matter_gets_the_villages_time_limit_again(consult):
    override(consult, TOWN, "deadline_days", {"major": 30, "minor": 8, "private": 5})
    override(consult, TOWN, "evaluation_min_ratings", 1)
    with consult.db.transaction() as session:
        matter = resolved(session, consult, VILLAGE)
        rate(session, matter, consult.ids.r2, "not_satisfied", "还是没人清运", "account:village")
        assert matters.conclude_due_evaluations(session, SystemActor()) == {
            "evaluate": 0,
            "reopen": 1,
        }
        assert matter.state == "in_progress"
        assert matter.due_at - utcnow() < dt.timedelta(days=8)
        assert matter.due_at - utcnow() > dt.timedelta(days=7, hours=23)


def test_a_village_with_a_quorum_of_one_concludes_while_its_neighbour_waits(consult):
    override(consult, VILLAGE, "evaluation_min_ratings", 1)
    with consult.db.transaction() as session:
        ours, theirs = resolved(session, consult, VILLAGE), resolved(session, consult, NEIGHBOUR)
        rate(session, ours, consult.ids.r2, "satisfied", None, "account:village")
        rate(session, theirs, consult.ids.neighbour, "satisfied", None, "account:neighbour")
        done = matters.conclude_due_evaluations(session, SystemActor())
        assert done == {"evaluate": 1, "reopen": 0}
        assert (ours.state, theirs.state) == ("evaluated", "resolved")


def test_a_village_holds_its_own_forms_of_meeting(consult):
    override(consult, VILLAGE, "meeting_forms", ["坝坝会", "板凳会"])

    def plan(session, code, form):
        return deliberations.plan_deliberation(
            session,
            locality_code=code,
            title="垃圾清运怎么办",
            form=form,
            held_at=utcnow() + dt.timedelta(days=1),
            place="村委会院坝",
        )

    with consult.db.transaction() as session:
        assert plan(session, VILLAGE, "坝坝会").form == "坝坝会"
        assert plan(session, NEIGHBOUR, "院坝会").form == "院坝会"
        with pytest.raises(ConsultationError, match="未在城南社区启用，可选：坝坝会、板凳会") as no:
            plan(session, VILLAGE, "院坝会")
        assert no.value.field == "form"
        with pytest.raises(ConsultationError, match="坝坝会”未在长滩村启用"):
            plan(session, NEIGHBOUR, "坝坝会")


def test_county_wide_settings_cannot_be_overridden_by_a_village(consult):
    with consult.db.new_session() as session:
        for key in ("catalogue", "county_catalogues", "escalation_days", "max_attachment_kb"):
            with pytest.raises(SettingOverrideError, match=f"没有可在本地覆盖的设置项 {key}"):
                check_override(session, "consultation", key, 1, VILLAGE)
        with pytest.raises(SettingOverrideError, match=r"plugins\.consultation\.deadline_days"):
            check_override(session, "consultation", "deadline_days", {"minor": 0}, VILLAGE)
        with pytest.raises(SettingOverrideError, match=r"plugins\.consultation\.meeting_forms"):
            check_override(session, "consultation", "meeting_forms", [], VILLAGE)
        assert "meeting_forms" in overridable_settings(consult.plugins, "consultation")
        assert session.scalar(select(func.count()).select_from(SettingOverride)) == 0


def test_the_admin_offers_each_village_its_own_forms_of_meeting(consult):
    from helpers import logged_in, make_app

    override(consult, VILLAGE, "meeting_forms", ["坝坝会", "板凳会"])
    app = make_app(consult)
    own = logged_in(app, "village").get("/admin/consultation_deliberation/new/")
    offered = own.get_data(as_text=True)
    assert 'value="坝坝会"' in offered and 'value="院坝会"' not in offered
    other = logged_in(app, "neighbour").get("/admin/consultation_deliberation/new/")
    assert 'value="坝坝会"' not in other.get_data(as_text=True)
