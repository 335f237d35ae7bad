"""季度督查: at least 15% of a county's villages are drawn at random each quarter, with a
recorded seed so the draw can be reproduced; findings are rectified and verified by others."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update
from supervision_support import STAFF, Desk

from core.models import Account, EventRecord, Locality
from core.testing import COUNTY, add_account
from core.workflow import WorkflowError
from plugins.supervision.models import (
    InspectionFinding,
    InspectionRound,
    InspectionTarget,
    LockedRecordError,
)
from plugins.supervision.services import SupervisionError, inspections
from plugins.supervision.workflows import FINDING_WORKFLOW

TOWNS = ["001", "101", "102", "103"]


@pytest.fixture
def big_county(make_runtime):
    """A county of 4 towns with 10 villages each (40 villages)."""
    runtime = make_runtime(["supervision"])
    with runtime.db.transaction() as session:
        session.add(Locality(code=COUNTY[0], name=COUNTY[1]))
        for town in TOWNS:
            session.add(Locality(code=f"500243{town}000", name=f"镇{town}"))
            for village in range(1, 11):
                session.add(Locality(code=f"500243{town}{village:03d}", name=f"村{town}{village}"))
        session.flush()
        for username, (scope, roles) in STAFF.items():
            add_account(session, username, scope, roles)
        session.scalar(select(Account).where(Account.username == "town")).roles = ["town_admin"]
    return runtime


def draw(runtime, seed="2025Q3-县纪委", rate=15, quarter=3, scope=COUNTY[0], username="county"):
    def work(session, actor):
        found = inspections.draw_round(
            session, actor, scope_code=scope, year=2025, quarter=quarter, rate=rate, seed=seed
        )
        return found.id, [t.locality_code for t in found.targets]

    return Desk(runtime)(username, work)


def test_a_quarterly_draw_takes_at_least_15_percent_of_the_villages(big_county):
    _, chosen = draw(big_county, seed="abc123")
    assert len(chosen) == 6  # 15% of 40 is exactly 6
    assert len(set(chosen)) == 6 and all(code.startswith("500243") for code in chosen)
    _, more = draw(big_county, seed="abc123", rate=16, quarter=4)
    assert len(more) == 7  # 16% of 40 = 6.4: rounded up, never below the rate


def test_the_draw_is_reproducible_from_its_recorded_seed_and_population(big_county):
    round_id, chosen = draw(big_county, seed="seed-42")
    assert chosen == inspections.draw(_population(), "seed-42", 6)
    with big_county.db.transaction() as session:
        recorded = session.get(InspectionRound, round_id)
        assert recorded.seed == "seed-42" and recorded.population_size == 40
        ok, redrawn = inspections.verify_round(recorded)
        assert ok and redrawn == chosen
    _, other_quarter = draw(big_county, seed="seed-43", quarter=4)
    assert other_quarter != chosen


def _population():
    return [f"500243{t}{v:03d}" for t in TOWNS for v in range(1, 11)]


def test_a_drawn_village_cannot_be_swapped_and_tampering_in_the_database_is_detected(
    big_county,
):
    round_id, chosen = draw(big_county, seed="seed-42")
    replacement = next(c for c in _population() if c not in chosen)

    def swap(session, actor):
        session.get(InspectionRound, round_id).targets[0].locality_code = replacement

    with pytest.raises(LockedRecordError, match="抽中的村不能更换"):
        Desk(big_county)("county", swap)
    with big_county.db.transaction() as session:
        session.execute(
            update(InspectionTarget)
            .where(InspectionTarget.locality_code == chosen[0])
            .values(locality_code=replacement)
        )
    with big_county.db.transaction() as session:
        ok, redrawn = inspections.verify_round(session.get(InspectionRound, round_id))
        assert not ok and redrawn == chosen


def test_a_sample_below_15_percent_is_refused_and_nothing_is_written(big_county):
    with pytest.raises(SupervisionError, match="抽查比例 14% 低于规定的 15%"):
        draw(big_county, rate=14)
    with big_county.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(InspectionRound)) == 0


def test_a_county_can_raise_its_minimum_rate_but_not_below_15(make_runtime):
    from core.plugin_manager import PluginSettingsError

    with pytest.raises(PluginSettingsError, match=r"plugins\.supervision\.inspection_min_rate"):
        make_runtime(["supervision"], settings={"supervision": {"inspection_min_rate": 10}})


def test_a_quarter_is_drawn_once(big_county):
    draw(big_county)
    with pytest.raises(SupervisionError, match="2025年第3季度已经抽取过"):
        draw(big_county, seed="another")


def test_a_town_draws_among_its_own_villages(big_county):
    _, chosen = draw(big_county, scope="500243001000", username="town")
    assert len(chosen) == 2 and all(c.startswith("500243001") for c in chosen)


def test_the_draw_cannot_be_changed_afterwards(big_county):
    round_id, _ = draw(big_county)

    def edit(session, actor):
        session.get(InspectionRound, round_id).seed = "other"

    with pytest.raises(LockedRecordError, match="可用种子复核"):
        Desk(big_county)("county", edit)


def test_a_finding_is_rectified_by_the_village_and_verified_by_someone_else(big_county):
    round_id, chosen = draw(big_county, seed="s1", scope="500243001000", username="town")
    desk = Desk(big_county)
    village = chosen[0]
    with big_county.db.transaction() as session:
        add_account(session, "village_clerk", village, ["village_admin"])

    def record(session, actor):
        target = session.get(InspectionRound, round_id).targets[0]
        target.conclusion = "fair"
        return inspections.add_finding(
            session, actor, target, category="disclosure", description="二季度财务未按时公开"
        ).id

    finding_id = desk("town", record, now=dt.datetime(2025, 8, 1, tzinfo=dt.UTC))
    with big_county.db.transaction() as session:
        finding = session.get(InspectionFinding, finding_id)
        assert (finding.locality_code, finding.deadline) == (village, dt.date(2025, 8, 31))

    def move(name, text=None, reason=None):
        def work(session, actor):
            finding = session.get(InspectionFinding, finding_id)
            if text:
                finding.rectification = text
            FINDING_WORKFLOW.apply(finding, name, actor, session, reason=reason)
            return finding.state

        return work

    with pytest.raises(WorkflowError, match="请先填写整改情况"):
        desk("village_clerk", move("report"))
    assert desk("village_clerk", move("report", "已补公开并张贴")) == "reported"
    with pytest.raises(WorkflowError, match="没有执行“验收销号”的权限"):
        desk("village_clerk", move("verify"))
    assert desk("town", move("reject", reason="缺公开栏照片")) == "rectifying"
    assert desk("village_clerk", move("report", "已补照片")) == "reported"
    assert desk("town", move("verify")) == "verified"
    with big_county.db.transaction() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(EventRecord)
                .where(EventRecord.name == "supervision.finding_verified")
            )
            == 1
        )
