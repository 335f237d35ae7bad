"""What residents see on the portal: a village's disclosures with their corrections, its major
matters' progress through 四议两公开, the power list as flowcharts and its cadres' 勤廉指数 —
and never an identity number or a phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select
from supervision_support import NEIGHBOUR, VILLAGE, principal

from core.models import Household, Membership, Organization, Person
from core.testing import COUNTY, add_person
from hostapp import create_app
from plugins.supervision.models import CadreRatingCampaign, MajorMatter, PowerItem, PowerStep
from plugins.supervision.services import disclosures, inspections, matters, ratings
from plugins.supervision.services.disclosures import parse_period
from plugins.supervision.workflows import CAMPAIGN_WORKFLOW


@pytest.fixture
def portal(county):
    with county.db.transaction(actor="account:clerk") as session:
        clerk = principal(county, session, "clerk")
        person = add_person(session, "冉永明", VILLAGE, 31)
        person.phone = "13800138031"
        first = disclosures.publish(
            session,
            clerk,
            locality_code=VILLAGE,
            category="village",
            title="2025年第一季度村务公开",
            content="享受低保 12 户。",
            period=parse_period("2025Q1"),
        )
        disclosures.amend(session, clerk, first, content="享受低保 13 户。", reason="漏计 1 户")
        disclosures.publish(
            session,
            clerk,
            locality_code=NEIGHBOUR,
            category="village",
            title="长滩村公开",
            content="邻村内容",
        )
        matter = MajorMatter(locality_code=VILLAGE, title="村民活动广场建设", category="project")
        session.add(matter)
        session.flush()
        session.info["supervision.now"] = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
        matters.record_meeting(
            session,
            matter,
            clerk,
            step="proposal",
            held_on=dt.date(2025, 5, 20),
            expected=5,
            present=5,
            votes_for=5,
            minutes="同意提议",
        )
        item = PowerItem(
            locality_code=COUNTY[0], code="QL-01", title="村级重大事项决策", category="决策类"
        )
        item.steps = [
            PowerStep(position=1, title="党支部提议", actor="村党组织"),
            PowerStep(position=2, title="两委商议", actor="村两委"),
            PowerStep(position=3, title="党员大会审议", actor="村党组织"),
        ]
        session.add(item)
        session.info.pop("supervision.now")
    with county.db.transaction() as session:
        inspections.draw_round(
            session,
            principal(county, session, "county"),
            scope_code=COUNTY[0],
            year=2025,
            quarter=1,
            rate=50,
            seed="公开种子",
        )
    app = create_app(county)
    return app.test_client()


def text(response):
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_villages_page_shows_its_disclosures_with_the_correction_and_the_earlier_version(
    portal,
):
    page = text(portal.get(f"/l/{VILLAGE}"))
    assert "村务公开" in page
    assert "享受低保 13 户。" in page
    assert "更正理由：漏计 1 户" in page
    assert "此前的版本（1）" in page and "享受低保 12 户。" in page
    assert "邻村内容" not in page


def test_the_portal_notice_list_carries_the_disclosures(portal):
    page = text(portal.get(f"/l/{VILLAGE}"))
    notices = page.split("<h2>公示公告</h2>")[1].split("</section>")[0]
    assert "更正：2025年第一季度村务公开" in notices
    assert re.search(r'href="/l/500243001001#disclosure-\d+"', notices)


def test_a_villages_page_shows_matter_progress_through_the_six_steps(portal):
    page = text(portal.get(f"/l/{VILLAGE}"))
    assert "村民活动广场建设" in page
    steps = re.findall(r'<li class="(done|current|)">\d\. ([^<（✓]+)', page)
    assert [label.strip() for _, label in steps] == [
        "党支部提议",
        "两委商议",
        "党员大会审议",
        "村民代表会议决议",
        "决议公开",
        "实施结果公开",
    ]
    assert [state for state, _ in steps][:2] == ["done", "current"]


def test_the_power_list_is_an_accessible_flowchart_without_scripts(portal):
    page = text(portal.get(f"/l/{VILLAGE}"))
    assert '<ol class="sv-flow" aria-label="村级重大事项决策流程图，共 3 步">' in page
    assert page.index("第 1 步：党支部提议") < page.index("第 2 步：两委商议")
    assert "<script" not in page
    county_page = text(portal.get(f"/l/{COUNTY[0]}"))
    assert "村级权力清单和流程图" in county_page


def test_a_town_page_shows_the_inspections_with_their_seed(portal):
    page = text(portal.get(f"/l/{COUNTY[0]}"))
    assert "村务公开民主管理专项督查" in page
    assert "随机种子 公开种子，可复核" in page


def test_no_identity_number_or_phone_reaches_the_portal(portal, county):
    with county.db.transaction() as session:
        person = session.scalars(select(Person)).one()
        secrets = [person.id_number, person.phone]
    for code in (VILLAGE, COUNTY[0], "500243001000"):
        page = text(portal.get(f"/l/{code}"))
        for secret in secrets:
            assert secret not in page


def test_published_ratings_appear_on_the_villages_page(county):
    with county.db.transaction(actor="account:town") as session:
        town = principal(county, session, "town")
        secretary = add_person(session, "冉书记", VILLAGE, 41)
        voter = add_person(session, "住户", VILLAGE, 42)
        voter.household = Household(number="H1", locality_code=VILLAGE)
        branch = Organization(name="城南社区党支部", kind="party_branch", locality_code=VILLAGE)
        session.add_all([branch, Membership(person=secretary, organization=branch, role="书记")])
        campaign = CadreRatingCampaign(
            locality_code=COUNTY[0],
            title="2025年度村民直评村官",
            period_label="2025年度",
            opens_on=dt.date(2025, 12, 1),
            closes_on=dt.date(2025, 12, 20),
        )
        session.add(campaign)
        session.flush()
        ratings.enlist_cadres(session, campaign)
        CAMPAIGN_WORKFLOW.apply(campaign, "open", town, session)
        ratings.cast_ballot(
            session,
            principal(county, session, "clerk"),
            campaign,
            voter.household,
            [{"cadre_id": campaign.cadres[0].id, "diligence": 5, "integrity": 4}],
        )
        for name in ("close", "publish"):
            CAMPAIGN_WORKFLOW.apply(campaign, name, town, session)
    page = text(create_app(county).test_client().get(f"/l/{VILLAGE}"))
    section = page.split("村干部勤廉指数（村民直评村官）")[1]
    assert re.search(r"<td>冉书记</td><td>书记</td><td class=\"num\">1</td>", section)
    assert "90.00" in section  # (5 + 4) / 2 × 20
    assert "住户" not in section
