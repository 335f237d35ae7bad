"""The 村务监督 API as a village's clerk, its supervision committee and the township's
accountant use it: scoped, with clear errors, and with the same rules as everywhere else."""

from __future__ import annotations

import datetime as dt
import types
from decimal import Decimal

import pytest
from helpers import api_token, bearer
from sqlalchemy import func, select
from supervision_support import NEIGHBOUR, VILLAGE

from core.models import Household, Membership, Organization
from core.testing import add_person
from hostapp import create_app
from plugins.supervision.models import (
    CadreRating,
    CadreRatingCampaign,
    Disclosure,
    FundAccount,
    MajorMatter,
    MatterMeeting,
    Voucher,
)

LINES = [{"subject": "管理费用", "summary": "打印纸", "amount": "350.00"}]


@pytest.fixture
def api(county, cash):
    app = create_app(county)
    client = app.test_client()
    return types.SimpleNamespace(client=client, tokens=Tokens(client), runtime=county, cash=cash)


class Tokens(dict):
    """Bearer headers by username, fetched from ``POST /api/v1/tokens`` when first needed."""

    def __init__(self, client):
        super().__init__()
        self.client = client

    def __missing__(self, username):
        self[username] = bearer(api_token(self.client, username))
        return self[username]


def call(api, method, url, user, **kwargs):
    return getattr(api.client, method)(
        f"/api/v1/supervision{url}", headers=api.tokens[user], **kwargs
    )


def new_voucher(api, **extra):
    body = {
        "account_id": api.cash.id,
        "kind": "payment",
        "voucher_date": "2025-03-02",
        "summary": "购买打印纸",
        "lines": LINES,
        **extra,
    }
    return call(api, "post", "/vouchers", "clerk", json=body)


def move(api, voucher_id, name, user, reason=None):
    return call(
        api,
        "post",
        f"/vouchers/{voucher_id}/transitions",
        user,
        json={"name": name, "reason": reason},
    )


def test_a_voucher_goes_from_the_clerk_to_the_committee_to_the_accountant(api):
    made = new_voucher(api)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["state"], body["amount"], body["allowed"]) == ("draft", "350.00", ["submit"])
    voucher_id = body["id"]
    assert move(api, voucher_id, "submit", "clerk").status_code == 200
    refused = move(api, voucher_id, "audit", "clerk")
    assert refused.status_code == 409
    assert "制单人不能审核自己" in refused.get_json()["message"]
    audited = move(api, voucher_id, "audit", "supervisor")
    assert audited.get_json()["state"] == "audited"
    booked = move(api, voucher_id, "book", "accountant")
    assert booked.status_code == 200 and booked.get_json()["seq"] == 1
    accounts = call(api, "get", "/accounts", "clerk").get_json()
    assert accounts[0]["balance"] == "9650.00"
    statement = call(
        api, "get", f"/accounts/{api.cash.id}/statement?from=2020-01&to=2099-12", "clerk"
    )
    assert statement.get_json()["closing"] == "9650.00"


def test_a_booked_voucher_cannot_be_patched_only_reversed(api):
    voucher_id = new_voucher(api).get_json()["id"]
    for name, user in (("submit", "clerk"), ("audit", "supervisor"), ("book", "accountant")):
        move(api, voucher_id, name, user)
    patched = call(api, "patch", f"/vouchers/{voucher_id}", "clerk", json={"summary": "改"})
    assert patched.status_code == 409
    assert "已记账的凭证请填制红字冲销凭证" in patched.get_json()["message"]
    no_reason = call(api, "post", f"/vouchers/{voucher_id}/reversal", "clerk", json={})
    assert no_reason.status_code == 422
    assert no_reason.get_json()["errors"]["json"]["reason"] == ["缺少必填项"]
    reversal = call(
        api, "post", f"/vouchers/{voucher_id}/reversal", "clerk", json={"reason": "重复报销"}
    )
    assert reversal.status_code == 201
    assert reversal.get_json()["amount"] == "-350.00"
    assert reversal.get_json()["reverses_id"] == voucher_id


def test_bad_voucher_input_names_the_field_or_line_and_writes_nothing(api):
    bad_line = new_voucher(
        api,
        lines=[{"subject": "管理费用", "amount": "10"}, {"subject": "管理费用", "amount": "-5"}],
    )
    assert bad_line.status_code == 422
    assert bad_line.get_json()["errors"]["json"]["lines"] == ["第 2 行：明细金额必须大于零"]
    unknown = new_voucher(api, colour="red")
    assert unknown.get_json()["errors"]["json"]["colour"] == ["未知字段（请检查拼写）"]
    kind = new_voucher(api, kind="gift")
    assert "kind" in kind.get_json()["errors"]["json"]
    foreign = new_voucher(api, account_id=9999)
    assert foreign.get_json()["errors"]["json"]["account_id"] == ["记录不存在或不在您的管辖范围内"]
    with api.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Voucher)) == 0


def test_a_neighbouring_village_never_sees_the_villages_vouchers(api):
    voucher_id = new_voucher(api).get_json()["id"]
    assert call(api, "get", f"/vouchers/{voucher_id}", "neighbour").status_code == 404
    assert call(api, "get", "/vouchers", "neighbour").get_json() == []
    assert [v["id"] for v in call(api, "get", "/vouchers", "town").get_json()] == [voucher_id]
    assert move(api, voucher_id, "submit", "neighbour").status_code == 404


def test_a_neighbour_cannot_make_a_voucher_on_the_villages_account(api):
    response = call(
        api,
        "post",
        "/vouchers",
        "neighbour",
        json={
            "account_id": api.cash.id,
            "kind": "payment",
            "voucher_date": "2025-03-02",
            "summary": "x",
            "lines": LINES,
        },
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["account_id"] == ["记录不存在或不在您的管辖范围内"]


def test_a_matter_is_deliberated_step_by_step_through_the_api(api):
    created = call(
        api,
        "post",
        "/matters",
        "clerk",
        json={
            "locality_code": VILLAGE,
            "title": "修建村口桥",
            "category": "project",
            "amount": "120000",
        },
    )
    assert created.status_code == 201
    matter_id = created.get_json()["id"]
    assert created.get_json()["next_step"] == "proposal"

    def meet(step, **figures):
        body = {
            "step": step,
            "held_on": "2025-05-06",
            "expected": 9,
            "present": 9,
            "votes_for": 9,
            "minutes": "同意",
            **figures,
        }
        return call(api, "post", f"/matters/{matter_id}/meetings", "clerk", json=body)

    skipped = meet("party_review")
    assert skipped.status_code == 422
    assert "当前应进行“党支部提议”" in skipped.get_json()["errors"]["json"]["step"][0]
    assert meet("proposal").get_json()["state"] == "proposed"
    assert meet("consultation").get_json()["state"] == "consulted"
    assert meet("party_review").get_json()["state"] == "reviewed"
    no_quorum = meet("representatives", expected=30, present=19, votes_for=19)
    assert no_quorum.status_code == 422
    assert "不足三分之二" in no_quorum.get_json()["errors"]["json"]["present"][0]
    failed = meet("representatives", expected=30, present=20, votes_for=10, resolution="…")
    assert failed.status_code == 201
    assert (failed.get_json()["state"], failed.get_json()["round"]) == ("draft", 2)
    with api.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(MatterMeeting)) == 4
    out_of_scope = call(
        api,
        "post",
        "/matters",
        "neighbour",
        json={"locality_code": VILLAGE, "title": "x", "category": "other"},
    )
    assert out_of_scope.get_json()["errors"]["json"]["locality_code"] == ["不在您的管辖范围内"]


def test_disclosures_are_published_amended_with_a_reason_and_never_overwritten(api):
    published = call(
        api,
        "post",
        "/disclosures",
        "clerk",
        json={
            "locality_code": VILLAGE,
            "category": "village",
            "title": "一季度村务公开",
            "content": "低保 12 户",
            "period": "2025Q1",
        },
    )
    assert published.status_code == 201
    first = published.get_json()["id"]
    missing_reason = call(
        api, "post", f"/disclosures/{first}/amendments", "clerk", json={"content": "低保 13 户"}
    )
    assert missing_reason.get_json()["errors"]["json"]["reason"] == ["缺少必填项"]
    amended = call(
        api,
        "post",
        f"/disclosures/{first}/amendments",
        "clerk",
        json={"content": "低保 13 户", "reason": "漏计 1 户"},
    )
    assert amended.status_code == 201
    assert amended.get_json()["amends_id"] == first
    again = call(
        api,
        "post",
        f"/disclosures/{first}/amendments",
        "clerk",
        json={"content": "…", "reason": "…"},
    )
    assert again.status_code == 422
    assert (
        call(api, "get", f"/disclosures/{first}", "clerk").get_json()["amended_by_id"]
        == amended.get_json()["id"]
    )
    current = call(api, "get", "/disclosures?current=true", "clerk").get_json()
    assert [d["id"] for d in current] == [amended.get_json()["id"]]
    bad_period = call(
        api,
        "post",
        "/disclosures",
        "clerk",
        json={
            "locality_code": VILLAGE,
            "category": "party",
            "title": "t",
            "content": "c",
            "period": "Q1",
        },
    )
    assert "期间格式不对" in bad_period.get_json()["errors"]["json"]["period"][0]


def test_the_financial_disclosure_and_the_overdue_calendar_through_the_api(api):
    response = call(
        api,
        "post",
        "/disclosures/financial",
        "clerk",
        json={"locality_code": VILLAGE, "period": "2025-01"},
    )
    assert response.status_code == 201
    assert response.get_json()["figures"]["accounts"][0]["closing"] == "10000.00"
    with api.runtime.db.transaction() as session:
        from plugins.supervision.services import disclosures

        disclosures.build_calendar(
            session,
            VILLAGE,
            2025,
            [{"category": "village", "frequency": "quarterly", "due_days": 15}],
        )
    overdue = call(api, "get", "/calendar?overdue=true&year=2025", "clerk").get_json()
    assert [e["period_label"] for e in overdue] == [f"2025年第{q}季度" for q in (1, 2, 3, 4)]
    assert {e["status"] for e in overdue} == {"逾期未公开"}
    assert call(api, "get", "/calendar?overdue=true", "neighbour").get_json() == []


def test_a_household_rates_its_cadres_once_through_the_api(api):
    with api.runtime.db.transaction() as session:
        secretary = add_person(session, "冉书记", VILLAGE, 1)
        voter = add_person(session, "住户", VILLAGE, 2)
        household = Household(number="H-1", locality_code=VILLAGE)
        voter.household = household
        branch = Organization(name="城南社区党支部", kind="party_branch", locality_code=VILLAGE)
        session.add_all(
            [household, branch, Membership(person=secretary, organization=branch, role="书记")]
        )
        campaign = CadreRatingCampaign(
            locality_code="500243001000",
            title="2025年度测评",
            period_label="2025年度",
            opens_on=dt.date(2025, 12, 1),
            closes_on=dt.date(2025, 12, 20),
            state="open",
        )
        session.add(campaign)
        session.flush()
        from plugins.supervision.services import ratings

        campaign.state = "draft"
        ratings.enlist_cadres(session, campaign)
        campaign.state = "open"
        ids = types.SimpleNamespace(
            campaign=campaign.id,
            household=household.id,
            cadre=campaign.cadres[0].id,
            voter=voter.id,
        )
    ballot = {
        "household_id": ids.household,
        "person_id": ids.voter,
        "scores": [{"cadre_id": ids.cadre, "diligence": 5, "integrity": 4}],
    }
    first = call(api, "post", f"/campaigns/{ids.campaign}/ballots", "clerk", json=ballot)
    assert first.status_code == 201 and first.get_json() == {"recorded": 1}
    second = call(api, "post", f"/campaigns/{ids.campaign}/ballots", "supervisor", json=ballot)
    assert second.status_code == 422
    assert "每户对每名村干部只能评议一次" in second.get_json()["errors"]["json"]["household_id"][0]
    out_of_range = dict(ballot, scores=[{"cadre_id": ids.cadre, "diligence": 7, "integrity": 4}])
    assert (
        call(
            api, "post", f"/campaigns/{ids.campaign}/ballots", "clerk", json=out_of_range
        ).status_code
        == 422
    )
    with api.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CadreRating)) == 1
    seen = call(api, "get", f"/campaigns/{ids.campaign}", "clerk").get_json()
    assert seen["cadres"][0]["ratings"] == 1 and seen["cadres"][0]["name"] == "冉书记"
    assert call(api, "get", f"/campaigns/{ids.campaign}", "neighbour").get_json()["cadres"] == []


def test_the_api_needs_a_token_and_is_documented_in_openapi(api):
    assert api.client.get("/api/v1/supervision/vouchers").status_code == 401
    spec = api.client.get("/api/v1/openapi.json").get_json()
    paths = set(spec["paths"])
    assert {
        "/api/v1/supervision/vouchers",
        "/api/v1/supervision/vouchers/{voucher_id}/transitions",
        "/api/v1/supervision/matters/{matter_id}/meetings",
        "/api/v1/supervision/disclosures/{disclosure_id}/amendments",
        "/api/v1/supervision/campaigns/{campaign_id}/ballots",
        "/api/v1/supervision/board/{code}",
    } <= paths


def test_a_scanned_voucher_is_attached_while_the_voucher_is_a_draft(api):
    voucher_id = new_voucher(api).get_json()["id"]
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    import io

    uploaded = call(
        api,
        "post",
        f"/vouchers/{voucher_id}/attachments",
        "clerk",
        data={"file": (io.BytesIO(pdf), "发票.pdf")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    assert uploaded.get_json()["content_type"] == "application/pdf"
    not_a_pdf = call(
        api,
        "post",
        f"/vouchers/{voucher_id}/attachments",
        "clerk",
        data={"file": (io.BytesIO(b"MZ\x90\x00"), "病毒.exe")},
        content_type="multipart/form-data",
    )
    assert not_a_pdf.status_code == 422
    assert "不是 PDF、JPEG 或 PNG" in not_a_pdf.get_json()["errors"]["json"]["file"][0]
    move(api, voucher_id, "submit", "clerk")
    late = call(
        api,
        "post",
        f"/vouchers/{voucher_id}/attachments",
        "clerk",
        data={"file": (io.BytesIO(pdf), "补充.pdf")},
        content_type="multipart/form-data",
    )
    assert late.status_code == 422


def test_numbers_in_the_api_are_decimal_text(api):
    new_voucher(
        api,
        lines=[
            {"subject": "管理费用", "amount": "0.10"},
            {"subject": "管理费用", "amount": "0.20"},
        ],
    )
    listed = call(api, "get", "/vouchers", "clerk").get_json()
    assert listed[0]["amount"] == "0.30"
    with api.runtime.db.transaction() as session:
        assert session.get(FundAccount, api.cash.id).balance == Decimal("10000.00")
        assert session.scalar(select(func.count()).select_from(Disclosure)) == 0
        assert session.scalar(select(func.count()).select_from(MajorMatter)) == 0
        assert NEIGHBOUR != VILLAGE
