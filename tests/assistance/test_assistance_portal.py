"""What residents see on the portal (公示, names masked) and what staff see on a resident's page."""

from __future__ import annotations

import datetime as dt

import pytest
from assistance_support import TODAY, VILLAGE, build_county, consent_for, fill_tasks, freeze
from helpers import logged_in

from hostapp import create_app
from plugins.assistance.cases import create_application
from plugins.assistance.workflow import APPLICATION_WORKFLOW as FLOW


@pytest.fixture
def county(make_runtime, monkeypatch):
    freeze(monkeypatch)
    county = build_county(make_runtime)
    with county.session() as session:
        application = create_application(
            session,
            actor=county.actor(session, "village"),
            id_number=county.zhang.head,
            programme_code="minimum_living",
            accept=True,
        )
        consent_for(session, county, application)
        FLOW.apply(application, "verify", county.actor(session, "town"), session)
        fill_tasks(session, county, application, {"income": "900", "pension": "300"})
        FLOW.apply(application, "assess", county.actor(session, "town"), session)
        FLOW.apply(application, "publish", county.actor(session, "town"), session)
        county.application_id = application.id
    county.app = create_app(county.runtime)
    return county


def portal(county, code: str) -> str:
    response = county.app.test_client().get(f"/l/{code}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_hook_provide_public_notices_lists_a_proposed_recipient_with_the_name_masked(county):
    for code in (VILLAGE, "500243001000", "500243000000"):
        text = portal(county, code)
        assert "低保公示" in text
        assert "城南社区：张**" in text
        assert "公示至 2026-03-08" in text
        assert "拟纳入城乡低保：保障 3 人，月救助金额 1,200.00 元" in text
        for secret in ("张建国", "李秀英", county.zhang.head, county.zhang.head[-4:]):
            assert secret not in text


def test_the_notice_leaves_the_portal_when_its_period_is_over(county, monkeypatch):
    freeze(monkeypatch, TODAY + dt.timedelta(days=7))
    assert "张**" not in portal(county, VILLAGE)


def test_a_neighbouring_village_does_not_show_the_notice(county):
    assert "张**" not in portal(county, "500243001002")


def test_hook_register_portal_sections_shows_current_recipients_on_the_village_page(
    county, monkeypatch
):
    freeze(monkeypatch, TODAY + dt.timedelta(days=7))
    with county.session() as session:
        from plugins.assistance.models import AssistanceApplication

        FLOW.apply(
            session.get(AssistanceApplication, county.application_id),
            "approve",
            county.actor(session, "town2"),
            session,
            reason="公示无异议",
        )
    village = portal(county, VILLAGE)
    assert "社会救助公示" in village
    assert "救助对象公示" in village
    assert (
        "<td>张**</td><td>城南社区</td><td>城乡低保</td><td>3</td>"
        "<td>1,200.00 元</td><td>2026-03</td>" in village
    )
    assert "张建国" not in village
    town = portal(county, "500243001000")
    assert "城乡低保：1 户，3 人" in town
    assert "救助对象公示" not in town  # only villages list their recipients


def test_hook_provide_person_summary_shows_a_residents_cases_to_staff(county):
    client = logged_in(county.app, "town")
    for person_id in county.zhang.member_ids:
        text = client.get(f"/admin/person/details/?id={person_id}").get_data(as_text=True)
        assert "社会救助" in text
        assert f"城乡低保申请#{county.application_id}" in text
        assert "公示中" in text
