"""一村一策 in social assistance: a village's own 公示 period applies to its applicants' notices
and to when their cases may be decided; a neighbouring village keeps the county's seven days; the
eligibility rules, checks, departments and deadlines stay county policy and cannot be overridden."""

from __future__ import annotations

import datetime as dt

import pytest
from assistance_support import NEIGHBOUR, TODAY, VILLAGE, build_county, consent_for, fill_tasks
from assistance_support import freeze as freeze_clock
from sqlalchemy import func, select

from core.models import SettingOverride
from core.settings import SettingOverrideError, check_override, overridable_settings
from core.workflow import WorkflowError
from plugins.assistance.cases import create_application
from plugins.assistance.models import AssistanceApplication
from plugins.assistance.workflow import APPLICATION_WORKFLOW as FLOW


@pytest.fixture
def county(make_runtime, monkeypatch):
    freeze_clock(monkeypatch)
    return build_county(make_runtime)


def override(county, code: str, key: str, value) -> None:
    """Set ``key`` for ``code`` as the admin does: checked first, then written (and audited)."""
    with county.session() as session:
        check_override(session, "assistance", key, value, code)
        session.add(
            SettingOverride(
                locality_code=code, plugin="assistance", key=key, value=value, reason="村民会议决定"
            )
        )


def apply(session, county, application, name, username, reason=None):
    return FLOW.apply(application, name, county.actor(session, username), session, reason=reason)


def in_notice(session, county, family) -> AssistanceApplication:
    """A 低保 application of ``family`` taken in, verified, assessed and put under notice."""
    application = create_application(
        session,
        actor=county.actor(session, "town"),
        id_number=family.head,
        programme_code="minimum_living",
        category="variable",
        statement="家庭收入骤减",
        accept=True,
    )
    consent_for(session, county, application)
    apply(session, county, application, "verify", "town")
    fill_tasks(session, county, application, {"income": "900", "pension": "300"})
    apply(session, county, application, "assess", "town")
    apply(session, county, application, "publish", "town")
    return application


def test_a_village_with_a_five_day_notice_decides_before_its_neighbour(county, monkeypatch):
    override(county, VILLAGE, "notice_days", 5)
    with county.session() as session:
        ours = in_notice(session, county, county.zhang)
        theirs = in_notice(session, county, county.wang)
        assert ours.locality_code == VILLAGE and theirs.locality_code == NEIGHBOUR
        assert ours.open_notice.ends_on == TODAY + dt.timedelta(days=4)
        assert theirs.open_notice.ends_on == TODAY + dt.timedelta(days=6)
        ids = ours.id, theirs.id
    freeze_clock(monkeypatch, TODAY + dt.timedelta(days=5))
    with county.session() as session:
        ours, theirs = (session.get(AssistanceApplication, i) for i in ids)
        apply(session, county, ours, "approve", "town2", reason="公示无异议，符合条件")
        assert ours.state == "approved"
        with pytest.raises(WorkflowError, match="公示期至 2026-03-08"):
            apply(session, county, theirs, "approve", "town2", reason="公示无异议")


def test_a_town_period_holds_for_its_villages_until_a_village_sets_its_own(county):
    override(county, "500243001000", "notice_days", 10)
    override(county, VILLAGE, "notice_days", 5)
    with county.session() as session:
        ours = in_notice(session, county, county.zhang)
        theirs = in_notice(session, county, county.wang)
        assert ours.open_notice.ends_on == TODAY + dt.timedelta(days=4)
        assert theirs.open_notice.ends_on == TODAY + dt.timedelta(days=9)


def test_eligibility_rules_and_departments_cannot_be_overridden_by_a_village(county):
    with county.session() as session:
        for key in ("deposit_limit_months", "care_fund_bands", "departments", "check_due_days"):
            with pytest.raises(SettingOverrideError, match=f"没有可在本地覆盖的设置项 {key}"):
                check_override(session, "assistance", key, 1, VILLAGE)
        with pytest.raises(SettingOverrideError, match=r"plugins\.assistance\.notice_days"):
            check_override(session, "assistance", "notice_days", 0, VILLAGE)
        assert list(overridable_settings(county.runtime.plugins, "assistance")) == ["notice_days"]
        assert session.scalar(select(func.count()).select_from(SettingOverride)) == 0
