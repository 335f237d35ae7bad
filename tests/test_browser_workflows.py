"""Each practice's everyday workflow carried through the admin in a real headless Chromium, by the
accounts that would do it, then the result read on a phone at the village's portal page.

Every change of state is a click on an admin page; only the passing of time (a public notice
running out) is simulated by moving the record's dates back in the database between two clicks.
Every admin page a test visits is checked for English interface words, and each test ends by
asserting both the database and what the page shows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import browser_support
import pytest
from browser_support import (
    PHONE,
    chinese_text,
    english_words,
    flash_messages,
    horizontal_overflow,
    log_in,
    log_out,
    pick_ajax,
    served,
)
from playwright.sync_api import Browser, Page
from sqlalchemy import select, update

from core.models import Household, Organization, Person
from core.runtime import Runtime
from core.testing import COUNTY, add_account, add_person, seed_tree

chromium = browser_support.chromium  # one Chromium for the module's tests

TOWN = "500243001000"  # 汉葭街道
VILLAGE = "500243001001"  # 城南社区
NEIGHBOUR = "500243001002"  # 长滩村
ID_NUMBER = re.compile(r"\d{17}[\dX]")


# --- the site -----------------------------------------------------------------------------------


def seed_county(session: Any) -> dict[str, int]:
    """The locality tree, two households in 城南社区 and one in 长滩村; ids of residents by name."""
    seed_tree(session)
    add_account(session, "county", COUNTY[0], ["county_admin"])
    people: dict[str, int] = {}
    sequence = 10
    for number, code, members in [
        ("H001", VILLAGE, [("张建国", "户主", 1968), ("李秀英", "配偶", 1970)]),
        ("H002", VILLAGE, [("王五", "户主", 1975), ("赵六", "配偶", 1977)]),
        ("H003", NEIGHBOUR, [("孙七", "户主", 1980)]),
    ]:
        household = Household(number=number, locality_code=code)
        session.add(household)
        session.flush()
        for name, relation, year in members:
            sequence += 1
            person = add_person(session, name, code, sequence, dt.date(year, 5, 1))
            person.household_id = household.id
            person.relation = relation
            people[name] = person.id
    session.flush()
    return people


class Site:
    """A served deployment: its runtime, base URL and residents by name."""

    def __init__(self, runtime: Runtime, url: str, people: dict[str, int]) -> None:
        self.runtime = runtime
        self.url = url
        self.people = people

    def today(self) -> dt.date:
        """Today in the deployment's time zone (the plugins' "today", not the machine's)."""
        return dt.datetime.now(ZoneInfo(self.runtime.config.timezone)).date()

    def open(self, page: Page, path: str) -> str:
        """Go to an admin page and return its visible text, checked to be in Chinese."""
        page.goto(f"{self.url}{path}")
        return chinese_text(page)

    def shown(self, page: Page) -> str:
        """The visible text of the page the last click led to, checked to be in Chinese."""
        return chinese_text(page)

    def as_(self, page: Page, username: str) -> None:
        """Log out whoever is logged in and log in as ``username`` (login page in Chinese too)."""
        log_out(page, self.url)
        chinese_text(page)
        log_in(page, self.url, username)
        chinese_text(page)

    def portal_on_phone(self, browser: Browser, code: str) -> str:
        """The locality's portal page at phone size: fits the screen, shows no identity number."""
        context = browser.new_context(viewport=PHONE, is_mobile=True)
        try:
            page = context.new_page()
            page.goto(f"{self.url}/l/{code}")
            text = page.inner_text("body")
            assert english_words(text) == [], f"English interface words on /l/{code}"
            assert horizontal_overflow(page) <= 0, f"/l/{code} is wider than a phone"
            assert not ID_NUMBER.search(text), "an identity number leaked onto the portal"
            return text
        finally:
            context.close()


@pytest.fixture
def make_site(make_runtime) -> Iterator[Callable[..., Site]]:
    """``make_site(plugins, settings, seed)``: a seeded deployment served on a free port."""
    servers = contextlib.ExitStack()

    def make(
        plugins: list[str],
        settings: dict[str, Any] | None = None,
        seed: Callable[[Any, dict[str, int]], None] | None = None,
    ) -> Site:
        runtime = make_runtime(plugins, settings=settings)
        with runtime.db.transaction(actor="system:test", channel="cli") as session:
            people = seed_county(session)
            if seed is not None:
                seed(session, people)
        url = servers.enter_context(served(runtime))
        return Site(runtime, url, people)

    with servers:
        yield make


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh desktop browser window for the office staff."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def pick(page: Page, field_id: str, label: str) -> None:
    """Choose the option labelled ``label`` in a (select2-styled) drop-down, as staff do."""
    page.click(f"#s2id_{field_id}")
    page.locator("#select2-drop .select2-result-label", has_text=label).first.click()


def fill_date(page: Page, field_id: str, day: dt.date) -> None:
    """Type a date into a date-picker field and close the picker."""
    page.fill(f"#{field_id}", day.isoformat())
    page.keyboard.press("Escape")


def click_and_wait(page: Page, selector: str) -> None:
    """Click a submit button and wait for the page the form leads to."""
    with page.expect_navigation():
        page.click(selector)


WORKFLOW_CARD = ".card:has(h5:has-text('流程操作'))"


def workflow_button(page: Page, label: str) -> None:
    """Click the workflow action ``label`` on a details page."""
    click_and_wait(page, f"{WORKFLOW_CARD} form button:text-is('{label}')")


def workflow_buttons(page: Page) -> list[str]:
    """Labels of the workflow actions offered on a details page."""
    return [t.strip() for t in page.locator(f"{WORKFLOW_CARD} form button").all_inner_texts()]


# --- 积分制: a claim through public notice to posting ---------------------------------------------


def test_a_points_claim_goes_through_review_and_public_notice_to_the_ledger(make_site, page):
    from plugins.points.models import PointsAccount, PointsClaim

    def seed(session: Any, people: dict[str, int]) -> None:
        add_account(session, "village", VILLAGE, ["village_admin"])
        add_account(session, "town", TOWN, ["town_admin"])

    site = make_site(["points"], {"points": {"resident_holder": "person", "notice_days": 5}}, seed)
    today = site.today()

    # The village's clerk reports two residents' volunteering.
    site.as_(page, "village")
    site.open(page, "/admin/points_pointsclaim/new/")
    page.fill("#rule_code", "ZY01")
    pick(page, "locality", "城南社区")
    page.fill("#activity", "重阳节敬老志愿服务")
    fill_date(page, "occurred_on", today - dt.timedelta(days=2))
    page.fill("#evidence", "活动照片三张")
    pick_ajax(page, "persons", "张", "张建国")
    pick_ajax(page, "persons", "李", "李秀英")
    click_and_wait(page, "input[type=submit][value='保存']")
    listing = site.shown(page)
    assert "重阳节敬老志愿服务" in listing and "待审核" in listing
    with site.runtime.db.new_session() as session:
        claim = session.scalars(select(PointsClaim)).one()
        claim_id = claim.id
        assert claim.submitted_by == "account:village"
    details = f"/admin/points_pointsclaim/details/?id={claim_id}"
    site.open(page, details)
    assert workflow_buttons(page) == []  # a village does not review its own claims

    # The town reviews it and sends it to public notice.
    site.as_(page, "town")
    text = site.open(page, details)
    assert "当前状态：待审核" in text and "张建国、李秀英" in text
    workflow_button(page, "审核通过（进入公示）")
    text = site.shown(page)
    assert "当前状态：公示中" in text
    assert f"{today} 至 {today + dt.timedelta(days=4)}" in text
    assert "公示期满入账" not in workflow_buttons(page)  # not while the notice runs

    # Residents read the notice on their phones: names masked.
    portal = site.portal_on_phone(page.context.browser, VILLAGE)
    assert "积分公示" in portal and "张*" in portal and "张建国" not in portal

    # Five days later nobody has objected: the notice is over.
    with site.runtime.db.transaction(actor="system:test", channel="cli") as session:
        session.execute(
            update(PointsClaim)
            .where(PointsClaim.id == claim_id)
            .values(
                notice_starts_on=today - dt.timedelta(days=6),
                notice_ends_on=today - dt.timedelta(days=1),
            )
        )
    text = site.open(page, details)
    workflow_button(page, "公示期满入账")
    text = site.shown(page)
    assert "当前状态：已入账" in text and "入账转账" in text

    with site.runtime.db.new_session() as session:
        claim = session.get(PointsClaim, claim_id)
        assert (claim.state, claim.reviewed_by) == ("posted", "account:town")
        balances = dict(
            session.execute(
                select(PointsAccount.person_id, PointsAccount.balance).where(
                    PointsAccount.kind == "holder"
                )
            ).all()
        )
    assert balances == {site.people["张建国"]: 3, site.people["李秀英"]: 3}

    text = site.open(page, "/admin/points_pointsaccount/")
    assert "张建国" in text and "李秀英" in text
    portal = site.portal_on_phone(page.context.browser, VILLAGE)
    assert "积分排行" in portal and "张*" in portal and "积分公示" not in portal


# --- 协商议事: a matter through 三事分流, 办理 and 群众评议 ----------------------------------


def card(page: Page, title: str) -> Any:
    """The card of a details page whose heading is ``title``."""
    return page.locator(".card", has=page.locator(f"h5:text-is('{title}')"))


def choose(form: Any, name: str, label: str) -> None:
    """Choose, in the native drop-down ``name`` of ``form``, the option whose text has ``label``."""
    value = form.locator(f"select[name={name}] option", has_text=label).first.get_attribute("value")
    form.locator(f"select[name={name}]").select_option(value)


def test_a_villagers_matter_is_triaged_handled_rated_and_closed_in_the_admin(make_site, page):
    from plugins.consultation.models import (
        ConsultationAssignment,
        ConsultationMatter,
        ConsultationRating,
    )

    def seed(session: Any, people: dict[str, int]) -> None:
        add_account(session, "village", VILLAGE, ["village_admin"])
        add_account(session, "town", TOWN, ["town_admin"])
        session.add_all(
            [
                Organization(
                    name="城南社区居民委员会", kind="residents_committee", locality_code=VILLAGE
                ),
                Organization(name="城南社区居民议事会", kind="council", locality_code=VILLAGE),
                Organization(
                    name="中共汉葭街道工作委员会", kind="party_branch", locality_code=TOWN
                ),
            ]
        )

    site = make_site(["consultation"], {"consultation": {"evaluation_min_ratings": 3}}, seed)

    # A resident tells the community office that the rubbish is not collected.
    site.as_(page, "village")
    site.open(page, "/admin/consultation_matter/new/")
    page.fill("#title", "垃圾清运不及时")
    page.fill("#description", "三号楼前的垃圾三天没人清运。")
    pick(page, "locality", "城南社区")
    page.select_option("#item_code", "B02")
    page.select_option("#source", "resident")
    pick_ajax(page, "reporter", "张", "张建国")
    click_and_wait(page, "input[type=submit][value='保存']")
    assert "垃圾清运不及时" in site.shown(page)
    with site.runtime.db.new_session() as session:
        matter_id = session.scalars(select(ConsultationMatter.id)).one()
    details = f"/admin/consultation_matter/details/?id={matter_id}"

    text = site.open(page, details)
    assert "当前状态：已提交" in text
    workflow_button(page, "受理")
    assert "当前状态：已受理" in site.shown(page)

    # 三事分流: the catalogue says 小事, so the community committee leads it.
    triage = card(page, "三事分流")
    choose(triage, "triage", "小事")
    choose(triage, "lead_organization_id", "城南社区居民委员会")
    with page.expect_navigation():
        triage.locator("button:text-is('分流')").click()
    text = site.shown(page)
    assert "已分流为小事" in " ".join(flash_messages(page))
    assert "当前状态：已分流" in text

    # 四办: the council deliberates, the sub-district's party committee supervises.
    for role, organization in (("议办", "城南社区居民议事会"), ("督办", "中共汉葭街道工作委员会")):
        assign = card(page, "四办分工")
        choose(assign, "role", role)
        choose(assign, "organization_id", organization)
        with page.expect_navigation():
            assign.locator("button:text-is('安排')").click()
        site.shown(page)
    text = site.shown(page)
    assert "中共汉葭街道工作委员会（乡镇（街道））" in text

    workflow_button(page, "开始办理")
    assert "当前状态：办理中" in site.shown(page)
    resolve = card(page, "办结")
    resolve.locator("textarea[name=resolution]").fill("已与环卫所协调，改为每日清运。")
    with page.expect_navigation():
        resolve.locator("button:text-is('办结')").click()
    assert "当前状态：已办结" in site.shown(page)

    # Three residents judge the result in 群众评议.
    for name, verdict in (("张建国", "满意"), ("王五", "满意"), ("赵六", "基本满意")):
        rate = card(page, "录入群众评价")
        choose(rate, "person_id", name)
        choose(rate, "verdict", verdict)
        rate.locator("input[name=comment]").fill("清运及时了")
        with page.expect_navigation():
            rate.locator("button:text-is('记录评价')").click()
        site.shown(page)
    assert workflow_buttons(page)[-1:] == ["评议通过"]
    workflow_button(page, "评议通过")
    assert "当前状态：已评议" in site.shown(page)
    workflow_button(page, "结案")
    text = site.shown(page)
    assert "当前状态：已结案" in text

    with site.runtime.db.new_session() as session:
        matter = session.get(ConsultationMatter, matter_id)
        assert (matter.state, matter.triage, matter.handling_level) == (
            "closed",
            "minor",
            "village",
        )
        assert matter.resolution == "已与环卫所协调，改为每日清运。"
        verdicts = session.scalars(
            select(ConsultationRating.verdict).where(ConsultationRating.matter_id == matter_id)
        ).all()
        assert sorted(verdicts) == ["partly", "satisfied", "satisfied"]
        roles = session.scalars(
            select(ConsultationAssignment.role).where(ConsultationAssignment.matter_id == matter_id)
        ).all()
        assert sorted(roles) == ["deliberate", "lead", "supervise"]

    portal = site.portal_on_phone(page.context.browser, VILLAGE)
    assert "垃圾清运不及时" in portal and "已与环卫所协调，改为每日清运。" in portal
    assert "张建国" not in portal


# --- 村务监督: a voucher from draft through audit to booking ------------------------------------


def test_a_voucher_is_made_audited_and_booked_by_three_different_people(make_site, page):
    from plugins.supervision.models import Disclosure, FundAccount, FundPeriod, Voucher

    def seed(session: Any, people: dict[str, int]) -> None:
        add_account(session, "clerk", VILLAGE, ["village_admin"])  # 村报账员
        add_account(session, "supervisor", VILLAGE, ["village_admin"])  # 村务监督委员会
        add_account(session, "accountant", TOWN, ["town_admin"])  # 乡镇委托代理会计
        session.add(
            FundAccount(
                locality_code=VILLAGE,
                code="102",
                name="银行存款-农商行",
                opening_balance=Decimal("10000.00"),
                opened_on=dt.date(2025, 1, 1),
            )
        )

    site = make_site(["supervision"], None, seed)
    last_month = site.today().replace(day=1) - dt.timedelta(days=1)

    # The clerk makes a payment voucher with two lines.
    site.as_(page, "clerk")
    site.open(page, "/admin/supervision_voucher/new/")
    pick_ajax(page, "account", "银行", "银行存款-农商行")
    pick(page, "kind", "支出凭证")
    fill_date(page, "voucher_date", last_month.replace(day=5))
    page.fill("#summary", "购买村部办公用品")
    for index, (subject, amount) in enumerate((("管理费用", "120.50"), ("管理费用", "30.00"))):
        page.click("#lines-button")
        page.fill(f"#lines-{index}-subject", subject)
        page.fill(f"#lines-{index}-summary", "办公用品")
        page.fill(f"#lines-{index}-amount", amount)
    click_and_wait(page, "input[type=submit][value='保存']")
    assert "购买村部办公用品" in site.shown(page)
    with site.runtime.db.new_session() as session:
        voucher_id = session.scalars(select(Voucher.id)).one()
    details = f"/admin/supervision_voucher/details/?id={voucher_id}"
    text = site.open(page, details)
    assert "当前状态：草稿" in text and "150.50" in text
    workflow_button(page, "提交审核")
    assert "当前状态：待审核" in site.shown(page)
    assert workflow_buttons(page) == []  # the maker never audits

    # A member of the village's supervision committee audits it.
    site.as_(page, "supervisor")
    site.open(page, details)
    assert {"审核通过", "退回修改"} <= set(workflow_buttons(page))
    workflow_button(page, "审核通过")
    assert "当前状态：已审核" in site.shown(page)
    assert "记账" not in workflow_buttons(page)  # nor does the auditor book

    # The township's agent accountant books it.
    site.as_(page, "accountant")
    site.open(page, details)
    workflow_button(page, "记账")
    text = site.shown(page)
    assert "当前状态：已记账" in text

    with site.runtime.db.new_session() as session:
        voucher = session.get(Voucher, voucher_id)
        assert (voucher.state, voucher.amount) == ("booked", Decimal("150.50"))
        assert (voucher.made_by, voucher.audited_by, voucher.booked_by) == (
            "account:clerk",
            "account:supervisor",
            "account:accountant",
        )
        account = session.scalars(select(FundAccount)).one()
        assert account.balance == Decimal("9849.50")
        period = session.scalars(select(FundPeriod)).one()
        assert (period.payments, period.vouchers) == (Decimal("150.50"), 1)

    # The books of the month are closed (the voucher was booked a month ago, say): the clerk
    # publishes the month's accounts and villagers read them on their phones.
    booked_in = f"{last_month:%Y-%m}"
    with site.runtime.db.transaction(actor="system:test", channel="cli") as session:
        session.execute(
            update(Voucher)
            .where(Voucher.id == voucher_id)
            .values(
                period=booked_in,
                booked_at=dt.datetime.combine(last_month, dt.time(2), dt.UTC),
            )
        )
        session.execute(update(FundPeriod).values(period=booked_in))
    site.as_(page, "clerk")
    site.open(page, "/admin/supervision_disclosure/financial/")
    page.select_option("select[name=locality_code]", VILLAGE)
    page.fill("input[name=period]", booked_in)
    click_and_wait(page, "button:text-is('生成并发布')")
    assert "财务公开已生成并发布" in " ".join(flash_messages(page))
    site.shown(page)
    with site.runtime.db.new_session() as session:
        assert session.get(Voucher, voucher_id).state == "disclosed"
        assert session.scalars(select(Disclosure.source)).all() == ["finance"]
    portal = site.portal_on_phone(page.context.browser, VILLAGE)
    assert "村务公开" in portal and "购买村部办公用品" in portal and "9849.50" in portal


# --- 社会救助: an application through verification and public notice to enrolment ----------------

PDF = b"%PDF-1.4\n% scanned authorisation signed by the applicant\n"


def test_an_assistance_application_goes_through_verification_and_notice_to_enrolment(
    make_site, page, tmp_path
):
    from plugins.assistance.models import (
        AssistanceApplication,
        AssistanceEnrolment,
        AssistanceNotice,
        AssistanceStandard,
        AssistanceTask,
    )

    def seed(session: Any, people: dict[str, int]) -> None:
        add_account(session, "town", TOWN, ["town_admin"])  # 便民服务中心 window and caseworker
        add_account(session, "town2", TOWN, ["town_admin"])  # who decides
        session.add(
            AssistanceStandard(
                programme="minimum_living",
                locality_code=COUNTY[0],
                effective_from=dt.date(2025, 1, 1),
                monthly_standard=Decimal("800"),
            )
        )

    # The county checks income, pensions and deposits for 低保 (its own list of checks).
    checks = {"minimum_living": ["income", "pension", "deposit"]}
    site = make_site(["assistance"], {"assistance": {"checks": checks}}, seed)
    today = site.today()
    with site.runtime.db.new_session() as session:
        applicant = session.get(Person, site.people["张建国"])
        id_number = applicant.id_number

    # 一门受理: the applicant brings an identity card to the sub-district's window.
    site.as_(page, "town")
    site.open(page, "/admin/assistance_application/intake/")
    page.fill("#id_number", id_number)
    page.select_option("#programme", "minimum_living")
    page.select_option("#channel", "window")
    page.select_option("#category", "stable")
    page.fill("#statement", "户主务工受伤，家庭收入骤减")
    page.fill("#payee_bank", "重庆农村商业银行")
    page.fill("#payee_account", "6217000011112222")
    click_and_wait(page, "button:text-is('受理')")
    text = site.shown(page)
    assert "已受理：城乡低保申请" in " ".join(flash_messages(page))
    assert id_number not in page.url and id_number not in text
    with site.runtime.db.new_session() as session:
        application_id = session.scalars(select(AssistanceApplication.id)).one()
    details = f"/admin/assistance_application/details/?id={application_id}"

    # 授权书: the signed authorisation is scanned and filed.
    site.open(page, f"/admin/assistance_application/consent/?id={application_id}")
    page.select_option("#signer_relation", label="本人")
    scan = tmp_path / "授权书.pdf"
    scan.write_bytes(PDF)
    page.set_input_files("input[type=file]", str(scan))
    click_and_wait(page, "button:text-is('上传')")
    assert "授权书已上传" in " ".join(flash_messages(page))
    site.shown(page)
    workflow_button(page, "发起核对")
    assert "当前状态：核对中" in site.shown(page)

    # 核对: each department's answer is entered on its task.
    figures = {"income": "900", "pension": "300", "deposit": "0"}
    with site.runtime.db.new_session() as session:
        tasks = session.execute(select(AssistanceTask.id, AssistanceTask.check)).all()
    assert sorted(check for _, check in tasks) == sorted(figures)
    for task_id, check in tasks:
        site.open(page, f"/admin/assistance_task/edit/?id={task_id}")
        page.fill("#amount", figures[check])
        page.fill("#evidence", "部门书面回复")
        click_and_wait(page, "input[type=submit][value='保存']")
        site.shown(page)
        site.open(page, f"/admin/assistance_task/details/?id={task_id}")
        workflow_button(page, "录入核对结果")
        assert "当前状态：已完成" in site.shown(page)

    # 评估 and 公示.
    site.open(page, details)
    workflow_button(page, "评估")
    text = site.shown(page)
    assert "当前状态：已评估" in text and "评估计算过程" in text
    workflow_button(page, "发布公示")
    text = site.shown(page)
    assert "当前状态：公示中" in text
    portal = site.portal_on_phone(page.context.browser, VILLAGE)
    assert "张**" in portal and "张建国" not in portal

    # Seven days pass without objection. The window that accepted the case cannot decide it.
    with site.runtime.db.transaction(actor="system:test", channel="cli") as session:
        session.execute(
            update(AssistanceNotice)
            .where(AssistanceNotice.application_id == application_id)
            .values(
                starts_on=today - dt.timedelta(days=8),
                ends_on=today - dt.timedelta(days=1),
            )
        )
    site.open(page, details)
    assert "批准" not in workflow_buttons(page)

    # 审批 by another member of staff, with a reason.
    site.as_(page, "town2")
    site.open(page, details)
    approve = page.locator(f"{WORKFLOW_CARD} form", has=page.locator("button:text-is('批准')"))
    approve.locator("input[name=reason]").fill("公示期满无异议，符合低保条件")
    with page.expect_navigation():
        approve.locator("button").click()
    text = site.shown(page)
    assert "当前状态：已批准" in text

    with site.runtime.db.new_session() as session:
        application = session.get(AssistanceApplication, application_id)
        assert (application.state, application.accepted_by) == ("approved", "account:town")
        enrolment = session.scalars(select(AssistanceEnrolment)).one()
        assert (enrolment.state, enrolment.person_id, enrolment.persons) == (
            "active",
            site.people["张建国"],
            2,
        )
        assert enrolment.monthly_amount == Decimal("400.00")  # (800 − 1,200 ÷ 2) × 2
        assert enrolment.start_on == today.replace(day=1)

    text = site.open(page, "/admin/assistance_enrolment/")
    assert "张建国" in text and "享受中" in text
    portal = site.portal_on_phone(page.context.browser, VILLAGE)
    assert "救助对象公示" in portal and "张**" in portal and "400" in portal


# --- the admin's pickers ------------------------------------------------------------------------


def test_the_autocomplete_and_date_pickers_speak_chinese(make_site, page):
    def seed(session: Any, people: dict[str, int]) -> None:
        add_account(session, "village", VILLAGE, ["village_admin"])

    site = make_site(["points"], {"points": {"resident_holder": "person"}}, seed)
    site.as_(page, "village")
    site.open(page, "/admin/points_pointsclaim/new/")
    assert "请选择模型" not in page.content()
    search = page.locator("#s2id_persons input.select2-input")
    search.click()
    prompts = [page.locator("#select2-drop").inner_text()]
    search.fill("查无此人")
    page.locator("#select2-drop .select2-no-results").wait_for()
    prompts.append(page.locator("#select2-drop").inner_text())
    page.keyboard.press("Escape")
    page.click("#occurred_on")
    calendar = page.locator(".daterangepicker").first.inner_text()
    assert [english_words(p) or re.findall(r"[A-Za-z]{3,}", p) for p in prompts] == [[], []]
    assert re.findall(r"\b(?:Jan|Feb|Nov|Dec|Su|Mo|Sa)\b", calendar) == []


# --- the portal on a phone, with a year of every practice's data ---------------------------------

PORTAL_SECTIONS = {
    "points": ["积德榜", "爱心超市"],
    "consultation": ["协商事项", "议事协商", "心愿墙"],
    "assistance": ["社会救助公示", "救助对象公示"],
    "supervision": ["村务公开", "四议两公开", "村级权力清单"],
}
"""Headings of each practice's sections on a village's portal page."""


def test_every_practices_portal_sections_fit_a_phone_with_the_demo_countys_data(
    make_runtime, chromium
):
    from core.demo import seed_demo
    from core.models import Locality
    from plugins.points.models import PointsRankingSnapshot

    runtime = make_runtime(list(PORTAL_SECTIONS))
    seed_demo(runtime, residents=60)
    with runtime.db.new_session() as session:
        # A village whose 积德榜 was published (with few residents, not every village has one).
        village = session.scalars(
            select(PointsRankingSnapshot.locality_code)
            .where(PointsRankingSnapshot.scheme == "resident")
            .order_by(PointsRankingSnapshot.locality_code)
        ).first()
        assert village is not None and len(village) == 12
        town = session.get(Locality, village[:9] + "000").code
        county = session.get(Locality, village[:6] + "000000").code
    context = chromium.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    with served(runtime) as url:
        for code in (village, town, county):
            page.goto(f"{url}/l/{code}")
            # Open every collapsed part (the power list's flowcharts) before measuring.
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            text = page.inner_text("body")
            assert horizontal_overflow(page) <= 0, f"/l/{code} is wider than a phone"
            assert english_words(text) == [], f"English interface words on /l/{code}"
            assert not ID_NUMBER.search(text), f"an identity number on /l/{code}"
            if code == village:
                missing = [
                    (plugin, heading)
                    for plugin, headings in PORTAL_SECTIONS.items()
                    for heading in headings
                    if heading not in text
                ]
                assert missing == []
    context.close()
