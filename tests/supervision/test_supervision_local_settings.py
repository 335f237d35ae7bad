"""一村一策 in 村务监督: a village's own rectification period sets the default deadline of the
problems an inspection finds there; its neighbour keeps the county's 30 days; the 重大事项
threshold, 公开日历, 抽查 rate and rating weights bind every village and cannot be overridden."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from supervision_support import NEIGHBOUR, TOWN, VILLAGE, Desk

from core.models import SettingOverride
from core.settings import SettingOverrideError, check_override, overridable_settings
from plugins.supervision.models import InspectionRound
from plugins.supervision.services import inspections

FOUND_ON = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)


def override(runtime, code: str, key: str, value) -> None:
    """Set ``key`` for ``code`` as the admin does: checked first, then written (and audited)."""
    with runtime.db.transaction(actor="test") as session:
        check_override(session, "supervision", key, value, code)
        session.add(
            SettingOverride(
                locality_code=code, plugin="supervision", key=key, value=value, reason="镇纪委通知"
            )
        )


def findings_in_the_town(runtime, **deadlines) -> dict[str, dt.date]:
    """Draw every village of 汉葭街道 and record one problem in each; their deadlines by village.

    ``deadlines`` maps a village code to an explicit deadline given by the inspector."""

    def work(session, actor):
        found = inspections.draw_round(
            session, actor, scope_code=TOWN, year=2025, quarter=3, rate=100, seed="2025Q3"
        )
        return {
            target.locality_code: inspections.add_finding(
                session,
                actor,
                target,
                category="disclosure",
                description="二季度财务未按时公开",
                deadline=deadlines.get(target.locality_code),
            ).deadline
            for target in found.targets
        }

    return Desk(runtime)("town", work, now=FOUND_ON)


def test_a_village_with_a_fifteen_day_period_must_rectify_sooner_than_its_neighbour(county):
    override(county, VILLAGE, "rectification_days", 15)
    deadlines = findings_in_the_town(county)
    assert deadlines == {VILLAGE: dt.date(2025, 8, 16), NEIGHBOUR: dt.date(2025, 8, 31)}


def test_a_town_period_holds_for_all_its_villages_and_an_inspector_can_still_set_a_date(county):
    override(county, TOWN, "rectification_days", 20)
    deadlines = findings_in_the_town(county, **{NEIGHBOUR: dt.date(2025, 9, 30)})
    assert deadlines == {VILLAGE: dt.date(2025, 8, 21), NEIGHBOUR: dt.date(2025, 9, 30)}
    with county.db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(InspectionRound)) == 1


def test_county_rules_of_supervision_cannot_be_overridden_by_a_village(county):
    with county.db.new_session() as session:
        for key in (
            "major_matter_threshold",
            "disclosure_calendar",
            "inspection_min_rate",
            "rating_diligence_weight",
            "rent_grace_days",
        ):
            with pytest.raises(SettingOverrideError, match=f"没有可在本地覆盖的设置项 {key}"):
                check_override(session, "supervision", key, 1, VILLAGE)
        with pytest.raises(SettingOverrideError, match=r"plugins\.supervision\.rectification_days"):
            check_override(session, "supervision", "rectification_days", 0, VILLAGE)
        assert list(overridable_settings(county.plugins, "supervision")) == ["rectification_days"]
        assert session.scalar(select(func.count()).select_from(SettingOverride)) == 0
