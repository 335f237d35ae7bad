"""一村一策 in the points plugin: a village's notice period, portal names and board size set in
the admin apply to that village's claims and pages; its neighbours keep the county's values; the
county-wide settings (ledger shape, 评星 thresholds, the rules table) cannot be overridden."""

from __future__ import annotations

import datetime as dt

import pytest
from points_support import NEIGHBOUR, OTHER_TOWN_VILLAGE, TOWN, VILLAGE
from sqlalchemy import select

from core.models import Locality, SettingOverride
from core.settings import SettingOverrideError, check_override, overridable_settings
from core.testing import add_account
from core.workflow import WorkflowError
from plugins.points import portal
from plugins.points.claims import submit_claim
from plugins.points.ledger import Holder, accounts_for, post_transfer, system_key
from plugins.points.models import PointsClaim
from plugins.points.rankings import create_snapshot, leaderboard
from plugins.points.workflow import CLAIM_WORKFLOW

DAY = dt.date(2026, 3, 2)
BAOJIA = "500243101000"  # 保家镇


@pytest.fixture
def county(make_county):
    """The county's claims stay 7 days under public notice; residents hold their own points."""
    return make_county({"resident_holder": "person", "notice_days": 7})


def override(county, code: str, key: str, value) -> None:
    """Set ``key`` for ``code`` as the admin does: checked first, then written (and audited)."""
    with county.runtime.db.transaction(actor="test") as session:
        check_override(session, "points", key, value, code)
        session.add(
            SettingOverride(locality_code=code, plugin="points", key=key, value=value, reason="")
        )


def claim_in(county, session, code: str, names: list[str]) -> PointsClaim:
    return submit_claim(
        session,
        county.principal(session, "county"),
        rule_code="ZY01",
        locality_code=code,
        activity="三月学雷锋志愿服务",
        occurred_on=DAY,
        evidence="活动照片",
        person_ids=[county.people[name] for name in names],
    )


def award(county, session, name: str, code: str, points: int) -> None:
    holder = Holder("resident", person_id=county.people[name])
    accounts = accounts_for(session, [(holder, code)], [("issuing", "resident", code)])
    post_transfer(
        session,
        kind="award",
        scheme="resident",
        locality_code=code,
        value_date=DAY,
        memo="测试",
        lines=[
            (accounts[holder.key], points),
            (accounts[system_key("issuing", "resident", code)], -points),
        ],
        actor="test",
    )


def test_a_village_with_a_three_day_notice_posts_its_claims_before_its_neighbour(county, travel):
    override(county, VILLAGE, "notice_days", 3)
    travel(DAY)
    with county.runtime.db.transaction() as session:
        town = county.principal(session, "town")
        ours = claim_in(county, session, VILLAGE, ["张三"])
        theirs = claim_in(county, session, NEIGHBOUR, ["孙七"])
        for claim in (ours, theirs):
            CLAIM_WORKFLOW.apply(claim, "approve", town, session)
        assert ours.notice_ends_on == dt.date(2026, 3, 4)
        assert theirs.notice_ends_on == dt.date(2026, 3, 8)
        ids = ours.id, theirs.id
    travel(dt.date(2026, 3, 5))
    with county.runtime.db.transaction() as session:
        town = county.principal(session, "town")
        ours, theirs = (session.get(PointsClaim, i) for i in ids)
        CLAIM_WORKFLOW.apply(ours, "post", town, session)
        assert ours.state == "posted"
        with pytest.raises(WorkflowError, match="公示期至 2026-03-08"):
            CLAIM_WORKFLOW.apply(theirs, "post", town, session)


def test_a_town_without_public_notice_posts_on_approval_while_the_county_notices(county, travel):
    override(county, TOWN, "notice_days", 0)
    travel(DAY)
    with county.runtime.db.transaction() as session:
        add_account(session, "baojia", BAOJIA, ["town_admin"])
    with county.runtime.db.transaction() as session:
        ours = claim_in(county, session, VILLAGE, ["张三"])
        town = county.principal(session, "town")
        with pytest.raises(WorkflowError, match="本地不设公示期"):
            CLAIM_WORKFLOW.apply(ours, "approve", town, session)
        CLAIM_WORKFLOW.apply(ours, "approve_post", town, session)
        assert ours.state == "posted"
        elsewhere = claim_in(county, session, OTHER_TOWN_VILLAGE, ["周八"])
        baojia = county.principal(session, "baojia")
        with pytest.raises(WorkflowError, match="须先公示"):
            CLAIM_WORKFLOW.apply(elsewhere, "approve_post", baojia, session)
        CLAIM_WORKFLOW.apply(elsewhere, "approve", baojia, session)
        assert elsewhere.notice_ends_on == dt.date(2026, 3, 8)


def test_a_village_shows_full_names_and_a_shorter_board_on_its_own_page(county):
    override(county, VILLAGE, "portal_names", "full")
    override(county, VILLAGE, "portal_board_size", 2)
    with county.runtime.db.transaction() as session:
        for name, points in (("张三", 9), ("李梅", 8), ("王五", 7)):
            award(county, session, name, VILLAGE, points)
        award(county, session, "孙七", NEIGHBOUR, 6)
    with county.runtime.db.new_session() as session:
        ours = leaderboard(session, "resident", VILLAGE, "2026")
        assert [s.public_name for s in ours] == ["张三", "李梅", "王五"]
        assert [s.public_name for s in leaderboard(session, "resident", NEIGHBOUR, "2026")] == [
            "孙*"
        ]
        sections = portal.sections(session.get(Locality, VILLAGE), session)
        (board,) = [s for s in sections if s.template == "points/leaderboards.html"]
        (residents,) = [b for b in board.context["boards"] if b["title"] == "村民积分"]
        assert [s.public_name for s in residents["standings"]] == ["张三", "李梅"]
        neighbour = portal.sections(session.get(Locality, NEIGHBOUR), session)
        (board,) = [s for s in neighbour if s.template == "points/leaderboards.html"]
        assert board.context["boards"][0]["masked"] is True


def test_a_villages_yearly_board_keeps_as_many_places_as_it_chose(county):
    override(county, VILLAGE, "snapshot_size", 2)
    with county.runtime.db.transaction() as session:
        for name, points in (("张三", 9), ("李梅", 8), ("王五", 7)):
            award(county, session, name, VILLAGE, points)
        award(county, session, "孙七", NEIGHBOUR, 6)
        county_admin = county.principal(session, "county")
        ours = create_snapshot(
            session, county_admin, scheme="resident", locality_code=VILLAGE, year="2026"
        )
        town = create_snapshot(
            session, county_admin, scheme="resident", locality_code=TOWN, year="2026"
        )
        assert [e.holder_name for e in ours.entries] == ["张三", "李梅"]
        assert len(town.entries) == 4


def test_county_wide_settings_cannot_be_overridden_by_a_village(county):
    with county.runtime.db.new_session() as session:
        for key in ("rules", "stars", "resident_holder", "holder_floor", "expiry_months"):
            with pytest.raises(SettingOverrideError, match=f"没有可在本地覆盖的设置项 {key}"):
                check_override(session, "points", key, None, VILLAGE)
        with pytest.raises(SettingOverrideError, match=r"plugins\.points\.notice_days"):
            check_override(session, "points", "notice_days", 45, VILLAGE)
        assert set(overridable_settings(county.runtime.plugins, "points")) == {
            "notice_days",
            "portal_names",
            "portal_board_size",
            "snapshot_size",
        }
        assert session.scalars(select(SettingOverride)).all() == []
