"""The 村务监督 admin as staff use it, with CSRF on: making and auditing vouchers, reversing a
booked one, recording meetings, publishing and amending disclosures, drawing inspections and
entering ballots — every refusal explained in Chinese, every record scoped."""

from __future__ import annotations

import datetime as dt
import io
import re
import types
from decimal import Decimal

import pytest
from helpers import csrf_token, flashes, logged_in, submit
from sqlalchemy import func, select
from supervision_support import NEIGHBOUR, VILLAGE, principal

from core.models import Household, Membership, Organization
from core.testing import add_person
from hostapp import create_app
from plugins.supervision.demo import demo_png
from plugins.supervision.models import (
    CadreRating,
    CadreRatingCampaign,
    Disclosure,
    FundAccount,
    InspectionRound,
    MajorMatter,
    MatterMeeting,
    SupervisionAttachment,
    Voucher,
)
from plugins.supervision.services import funds, ratings

VOUCHERS = "/admin/supervision_voucher/"


@pytest.fixture
def admin(county, cash):
    app = create_app(county)
    return types.SimpleNamespace(app=app, runtime=county, cash=cash)


def page(response) -> str:
    return response.get_data(as_text=True)


def make_in_admin(client, cash, amounts=("120.50", "30.00")):
    data = {
        "account": str(cash.id),
        "kind": "payment",
        "voucher_date": "2025-03-05",
        "summary": "购买村部办公用品",
        "matter": "__None",
    }
    for index, amount in enumerate(amounts):
        data |= {
            f"lines-{index}-subject": "管理费用",
            f"lines-{index}-summary": "办公用品",
            f"lines-{index}-amount": amount,
        }
    return submit(client, VOUCHERS + "new/", data)


def only_voucher(runtime):
    with runtime.db.transaction() as session:
        voucher = session.scalars(select(Voucher)).one()
        voucher.lines  # noqa: B018
        return voucher


def transition(client, base, record_id, name, **extra):
    token = csrf_token(client, "/admin/")
    return client.post(
        f"{base}transition/",
        data={"csrf_token": token, "id": str(record_id), "transition": name, **extra},
    )


def buttons(text):
    return re.findall(r'<button class="btn btn-primary" type="submit">([^<]+)</button>', text)


def test_a_clerk_makes_a_voucher_with_lines_in_the_admin(admin):
    clerk = logged_in(admin.app, "clerk")
    response = make_in_admin(clerk, admin.cash)
    assert response.status_code == 302, flashes(page(response))
    voucher = only_voucher(admin.runtime)
    assert (voucher.amount, voucher.locality_code, voucher.made_by, voucher.state) == (
        Decimal("150.50"),
        VILLAGE,
        "account:clerk",
        "draft",
    )
    assert [line.position for line in voucher.lines] == [1, 2]
    details = page(clerk.get(f"{VOUCHERS}details/?id={voucher.id}"))
    assert "提交审核" in buttons(details)
    assert "上传凭证附件" in details


def test_a_negative_line_in_the_admin_is_refused_naming_the_line(admin):
    clerk = logged_in(admin.app, "clerk")
    response = make_in_admin(clerk, admin.cash, amounts=("10", "-3"))
    assert response.status_code == 200
    assert any("第 2 行：明细金额必须大于零" in f for f in flashes(page(response)))
    with admin.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Voucher)) == 0


def test_the_maker_is_not_offered_the_audit_and_the_supervisor_is(admin):
    clerk = logged_in(admin.app, "clerk")
    make_in_admin(clerk, admin.cash)
    voucher_id = only_voucher(admin.runtime).id
    transition(clerk, VOUCHERS, voucher_id, "submit")
    assert "审核通过" not in buttons(page(clerk.get(f"{VOUCHERS}details/?id={voucher_id}")))
    forced = transition(clerk, VOUCHERS, voucher_id, "audit")
    assert "制单人不能审核自己制作或提交的凭证" in " ".join(
        flashes(page(clerk.get(forced.location)))
    )
    supervisor = logged_in(admin.app, "supervisor")
    details = page(supervisor.get(f"{VOUCHERS}details/?id={voucher_id}"))
    assert {"审核通过", "退回修改"} <= set(buttons(details))
    transition(supervisor, VOUCHERS, voucher_id, "audit")
    accountant = logged_in(admin.app, "accountant")
    transition(accountant, VOUCHERS, voucher_id, "book")
    assert only_voucher(admin.runtime).state == "booked"


def test_a_booked_voucher_cannot_be_edited_in_the_admin_but_can_be_reversed(admin):
    with admin.runtime.db.transaction(actor="account:clerk") as session:
        account = session.get(FundAccount, admin.cash.id)
        voucher = funds.make_voucher(
            session,
            account=account,
            kind="payment",
            voucher_date=dt.date(2025, 3, 1),
            summary="维修路灯",
            lines=[{"subject": "公益支出", "amount": "600"}],
            actor=principal(admin.runtime, session, "clerk"),
        )
        for name, user in (("submit", "clerk"), ("audit", "supervisor"), ("book", "accountant")):
            funds.apply(voucher, name, principal(admin.runtime, session, user), session)
        voucher_id = voucher.id
    clerk = logged_in(admin.app, "clerk")
    edit = clerk.get(f"{VOUCHERS}edit/?id={voucher_id}")
    assert edit.status_code == 302
    assert "红字冲销" in " ".join(flashes(page(clerk.get(edit.location))))
    posted = submit(
        clerk,
        f"{VOUCHERS}details/?id={voucher_id}",
        {"id": str(voucher_id), "reason": ""},
        action=f"{VOUCHERS}reverse/",
    )
    assert "冲销理由不能为空" in " ".join(flashes(page(clerk.get(posted.location))))
    posted = submit(
        clerk,
        f"{VOUCHERS}details/?id={voucher_id}",
        {"id": str(voucher_id), "reason": "发票作废，重新报账"},
        action=f"{VOUCHERS}reverse/",
    )
    with admin.runtime.db.transaction() as session:
        red = session.scalar(select(Voucher).where(Voucher.reverses_id == voucher_id))
        assert (red.amount, red.state, red.reason) == (
            Decimal("-600.00"),
            "draft",
            "发票作废，重新报账",
        )
        assert session.get(Voucher, voucher_id).summary == "维修路灯"
    assert posted.location.endswith(f"id={red.id}")


def test_a_neighbouring_village_gets_404_for_the_villages_voucher_even_by_id(admin):
    clerk = logged_in(admin.app, "clerk")
    make_in_admin(clerk, admin.cash)
    voucher_id = only_voucher(admin.runtime).id
    neighbour = logged_in(admin.app, "neighbour")
    assert neighbour.get(f"{VOUCHERS}details/?id={voucher_id}").status_code == 404
    assert neighbour.get(f"{VOUCHERS}edit/?id={voucher_id}").status_code == 404
    assert f"id={voucher_id}" not in page(neighbour.get(VOUCHERS))
    token = csrf_token(neighbour, "/admin/")
    forged = neighbour.post(
        f"{VOUCHERS}reverse/", data={"csrf_token": token, "id": str(voucher_id), "reason": "x"}
    )
    assert forged.status_code == 404


def test_an_admin_post_without_its_csrf_token_is_refused(admin):
    clerk = logged_in(admin.app, "clerk")
    response = clerk.post(VOUCHERS + "new/", data={"summary": "x"})
    assert response.status_code == 400
    with admin.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Voucher)) == 0


def test_meetings_are_recorded_from_the_matter_page_and_a_quorum_failure_writes_nothing(admin):
    with admin.runtime.db.transaction() as session:
        matter = MajorMatter(
            locality_code=VILLAGE, title="修建村口桥", category="project", state="reviewed"
        )
        session.add(matter)
        session.flush()
        matter_id = matter.id
    clerk = logged_in(admin.app, "clerk")
    base = "/admin/supervision_matter/"
    details = page(clerk.get(f"{base}details/?id={matter_id}"))
    assert "录入“村民代表会议决议”会议" in details and "第二十六条" in details
    figures = {
        "id": str(matter_id),
        "step": "representatives",
        "held_on": "2025-05-01",
        "expected": "30",
        "present": "15",
        "votes_for": "15",
        "votes_against": "0",
        "abstentions": "0",
        "minutes": "会议记录",
        "resolution": "同意",
    }
    posted = submit(clerk, f"{base}details/?id={matter_id}", figures, action=f"{base}meeting/")
    assert "不足三分之二，会议无效" in " ".join(flashes(page(clerk.get(posted.location))))
    with admin.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(MatterMeeting)) == 0
    figures |= {"present": "24", "votes_for": "20"}
    submit(clerk, f"{base}details/?id={matter_id}", figures, action=f"{base}meeting/")
    with admin.runtime.db.transaction() as session:
        assert session.get(MajorMatter, matter_id).state == "resolved"
    after = page(clerk.get(f"{base}details/?id={matter_id}"))
    assert "决议公开" in buttons(after)


def test_a_disclosure_is_published_in_the_admin_and_an_amendment_needs_a_reason(admin):
    clerk = logged_in(admin.app, "clerk")
    base = "/admin/supervision_disclosure/"
    form = {
        "locality": VILLAGE,
        "category": "village",
        "title": "一季度村务公开",
        "content": "低保 12 户",
        "period": "2025Q1",
        "online": "y",
        "board": "y",
        "amends": "__None",
        "amendment_reason": "",
    }
    response = submit(clerk, base + "new/", form)
    assert response.status_code == 302, flashes(page(response))
    with admin.runtime.db.transaction() as session:
        first = session.scalars(select(Disclosure)).one()
        assert (first.period_label, first.published_by) == ("2025年第1季度", "account:clerk")
    assert "/edit/" not in page(clerk.get(base))  # published disclosures have no edit link
    amendment = form | {"amends": str(first.id), "content": "低保 13 户"}
    refused = submit(clerk, base + "new/", amendment)
    assert "必须写明更正理由" in " ".join(flashes(page(refused)))
    submit(clerk, base + "new/", amendment | {"amendment_reason": "漏计 1 户"})
    with admin.runtime.db.transaction() as session:
        latest = session.scalar(select(Disclosure).where(Disclosure.amends_id == first.id))
        assert latest.content == "低保 13 户"
    details = page(clerk.get(f"{base}details/?id={latest.id}"))
    assert "更正记录" in details and "漏计 1 户" in details


def test_a_bulletin_board_photo_is_uploaded_and_downloaded(admin):
    with admin.runtime.db.transaction(actor="account:clerk") as session:
        from plugins.supervision.services import disclosures

        disclosure = disclosures.publish(
            session,
            principal(admin.runtime, session, "clerk"),
            locality_code=VILLAGE,
            category="party",
            title="党务公开",
            content="……",
        )
        disclosure_id = disclosure.id
    clerk = logged_in(admin.app, "clerk")
    base = "/admin/supervision_disclosure/"
    token = csrf_token(clerk, f"{base}details/?id={disclosure_id}")
    image = demo_png(__import__("random").Random(1))
    posted = clerk.post(
        f"{base}attach/",
        data={
            "csrf_token": token,
            "id": str(disclosure_id),
            "file": (io.BytesIO(image), "照片.png"),
        },
        content_type="multipart/form-data",
    )
    assert "照片已上传" in " ".join(flashes(page(clerk.get(posted.location))))
    with admin.runtime.db.transaction() as session:
        attachment = session.scalars(select(SupervisionAttachment)).one()
        assert (attachment.content_type, attachment.locality_code) == ("image/png", VILLAGE)
    download = clerk.get(f"/admin/supervision_attachment/download/?id={attachment.id}")
    assert download.status_code == 200 and download.data == image
    neighbour = logged_in(admin.app, "neighbour")
    assert (
        neighbour.get(f"/admin/supervision_attachment/download/?id={attachment.id}").status_code
        == 404
    )


def test_the_financial_disclosure_page_generates_a_villages_quarter(admin):
    clerk = logged_in(admin.app, "clerk")
    url = "/admin/supervision_disclosure/financial/"
    assert "生成财务公开" in page(clerk.get(url))
    posted = submit(clerk, url, {"locality_code": VILLAGE, "period": "2025Q1"})
    assert posted.status_code == 302
    with admin.runtime.db.transaction() as session:
        assert session.scalars(select(Disclosure.title)).all() == ["2025年第1季度财务收支公开"]
    refused = submit(clerk, url, {"locality_code": NEIGHBOUR, "period": "2025Q1"})
    assert "不在您的管辖范围内" in " ".join(flashes(page(refused)))


def test_an_inspection_draw_below_15_percent_is_refused_in_the_admin(admin):
    county = logged_in(admin.app, "county")
    base = "/admin/supervision_inspection_round/"
    form = {
        "locality": "500243000000",
        "year": "2025",
        "quarter": "2",
        "rate": "10",
        "seed": "s",
        "note": "",
    }
    refused = submit(county, base + "new/", form)
    assert "抽查比例 10% 低于规定的 15%" in " ".join(flashes(page(refused)))
    drawn = submit(county, base + "new/", form | {"rate": "25"})
    assert drawn.status_code == 302
    with admin.runtime.db.transaction() as session:
        found = session.scalars(select(InspectionRound)).one()
        assert (found.sample_size, found.seed) == (1, "s")
    details = page(county.get(f"{base}details/?id={found.id}"))
    assert "与记录一致" in details


def test_a_households_ballot_is_entered_once_in_the_admin(admin):
    with admin.runtime.db.transaction() as session:
        secretary = add_person(session, "冉书记", VILLAGE, 1)
        voter = add_person(session, "住户", VILLAGE, 2)
        voter.household = Household(number="H-100", locality_code=VILLAGE)
        branch = Organization(name="党支部", kind="party_branch", locality_code=VILLAGE)
        session.add_all([branch, Membership(person=secretary, organization=branch, role="书记")])
        campaign = CadreRatingCampaign(
            locality_code="500243001000",
            title="2025年度村民直评村官",
            period_label="2025年度",
            opens_on=dt.date(2025, 12, 1),
            closes_on=dt.date(2025, 12, 20),
        )
        session.add(campaign)
        session.flush()
        ratings.enlist_cadres(session, campaign)
        campaign.state = "open"
        campaign_id, cadre_id = campaign.id, campaign.cadres[0].id
    clerk = logged_in(admin.app, "clerk")
    base = "/admin/supervision_rating_campaign/"
    form_page = page(clerk.get(f"{base}ballot/?id={campaign_id}&household=H-100"))
    assert "冉书记（书记）· 勤" in form_page
    ballot = {
        "id": str(campaign_id),
        "household": "H-100",
        f"d{cadre_id}": "5",
        f"i{cadre_id}": "4",
    }
    submit(
        clerk, f"{base}ballot/?id={campaign_id}&household=H-100", ballot, action=f"{base}ballot/"
    )
    again = submit(
        clerk, f"{base}ballot/?id={campaign_id}&household=H-100", ballot, action=f"{base}ballot/"
    )
    assert "每户对每名村干部只能评议一次" in " ".join(flashes(page(again)))
    with admin.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CadreRating)) == 1
    unknown = clerk.get(f"{base}ballot/?id={campaign_id}&household=NOPE")
    assert "户号 NOPE 不存在" in " ".join(flashes(page(clerk.get(unknown.location))))


def test_the_supervision_menu_lists_every_register(admin):
    clerk = logged_in(admin.app, "clerk")
    home = page(clerk.get("/admin/"))
    for name in (
        "收支凭证",
        "四议两公开事项",
        "村务公开",
        "公开日历",
        "村级权力清单",
        "季度督查抽查",
        "村民直评村官",
    ):
        assert name in home, name
