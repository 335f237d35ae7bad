"""村务公开: disclosures are append-only, amendments name what they correct and why, financial
disclosures come from the booked vouchers, and the calendar flags what is overdue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from supervision_support import NEIGHBOUR, VILLAGE, principal

from core.models import Locality
from core.testing import add_account, seed_tree
from plugins.supervision.models import (
    Disclosure,
    DisclosureDue,
    FundAccount,
    LockedRecordError,
    Voucher,
)
from plugins.supervision.services import SupervisionError, disclosures, funds
from plugins.supervision.services.disclosures import parse_period

APRIL = dt.datetime(2025, 4, 8, 2, tzinfo=dt.UTC)


def publish(desk, title="2025年第一季度村务公开", now=APRIL, **extra):
    def work(session, actor):
        values = {
            "locality_code": VILLAGE,
            "category": "village",
            "title": title,
            "content": "一、低保评议结果……\n二、村道维修进度……",
            "period": parse_period("2025Q1"),
            **extra,
        }
        return disclosures.publish(session, actor, **values).id

    return desk("clerk", work, now=now)


def amend(desk, original_id, reason="第二项金额有误", content="二、村道维修进度（更正）……"):
    def work(session, actor):
        return disclosures.amend(
            session, actor, session.get(Disclosure, original_id), content=content, reason=reason
        ).id

    return desk("clerk", work, now=APRIL + dt.timedelta(days=1))


def test_a_published_disclosure_is_never_edited_or_deleted(county, desk):
    disclosure_id = publish(desk)

    def edit(session, actor):
        session.get(Disclosure, disclosure_id).content = "悄悄改掉"

    def delete(session, actor):
        session.delete(session.get(Disclosure, disclosure_id))

    for work in (edit, delete):
        with pytest.raises(LockedRecordError, match="如需更正，请发布更正公告"):
            desk("county", work)
    with county.db.transaction() as session:
        assert session.get(Disclosure, disclosure_id).content.startswith("一、低保评议结果")


def test_an_amendment_names_the_disclosure_it_corrects_and_why_and_the_chain_is_kept(county, desk):
    first = publish(desk)
    second = amend(desk, first)
    third = amend(desk, second, reason="再次核对后更正", content="二、村道维修进度（再更正）")
    with county.db.transaction() as session:
        latest = session.get(Disclosure, third)
        chain = disclosures.chain(session, session.get(Disclosure, first))
        assert [d.id for d in chain] == [first, second, third]
        assert [d.amendment_reason for d in chain] == [None, "第二项金额有误", "再次核对后更正"]
        assert latest.title == "更正：2025年第一季度村务公开"
        assert (latest.category, latest.period_label) == ("village", "2025年第1季度")
        current = session.scalars(select(Disclosure.id).where(disclosures.current_clause())).all()
        assert current == [third]


def test_an_amendment_needs_a_reason_and_only_the_latest_version_can_be_amended(county, desk):
    first = publish(desk)
    with pytest.raises(SupervisionError, match="必须写明更正理由"):
        amend(desk, first, reason="  ")
    second = amend(desk, first)
    with pytest.raises(SupervisionError, match="已于 2025-04-09 更正"):
        amend(desk, first, reason="另起一个更正")
    with county.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Disclosure)) == 2
        assert session.get(Disclosure, second).amends_id == first


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"title": " "}, "标题不能为空"),
        ({"content": ""}, "公开内容不能为空"),
        ({"category": "gossip"}, "公开类别必须是"),
        ({"online": False, "board": False}, "请至少选择一种公开渠道"),
        ({"locality_code": "500243001009"}, "行政区划不存在"),
        ({"title": "含\x00字符"}, "标题含有非法字符"),
    ],
)
def test_a_bad_disclosure_is_refused_and_nothing_is_published(county, desk, extra, message):
    with pytest.raises(SupervisionError, match=message):
        publish(desk, **extra)
    with county.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Disclosure)) == 0


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2025-03", "2025年3月", dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
        ("2024-02", "2024年2月", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2025Q4", "2025年第4季度", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        ("2025-q2", "2025年第2季度", dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
        ("2025", "2025年度", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ],
)
def test_periods_are_written_as_month_quarter_or_year(text, label, start, end):
    period = parse_period(text)
    assert (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize("text", ["2025-13", "2025Q5", "25-03", "三月", ""])
def test_a_malformed_period_is_explained(text):
    with pytest.raises(SupervisionError, match="期间格式不对"):
        parse_period(text)


def _booked_voucher(desk, cash, kind, amount, summary, when):
    def make(session, actor):
        return funds.make_voucher(
            session,
            account=session.get(FundAccount, cash.id),
            kind=kind,
            voucher_date=when.date(),
            summary=summary,
            lines=[{"subject": "经营收入" if kind == "receipt" else "管理费用", "amount": amount}],
            actor=actor,
        ).id

    voucher_id = desk("clerk", make)
    for username, name in (("clerk", "submit"), ("supervisor", "audit"), ("accountant", "book")):

        def step(session, actor, name=name):
            funds.apply(session.get(Voucher, voucher_id), name, actor, session)

        desk(username, step, now=when)
    return voucher_id


def test_the_financial_disclosure_of_a_month_is_generated_from_its_booked_vouchers(
    county, desk, cash
):
    march = dt.datetime(2025, 3, 12, 2, tzinfo=dt.UTC)
    rent = _booked_voucher(desk, cash, "receipt", "3000.00", "收鱼塘承包费", march)
    paint = _booked_voucher(desk, cash, "payment", "450.00", "村部粉刷", march)
    april = _booked_voucher(
        desk, cash, "payment", "100.00", "四月支出", dt.datetime(2025, 4, 2, 2, tzinfo=dt.UTC)
    )

    def generate(session, actor):
        return disclosures.financial_disclosure(session, actor, VILLAGE, parse_period("2025-03")).id

    disclosure_id = desk("county", generate, now=APRIL)
    with county.db.transaction() as session:
        disclosure = session.get(Disclosure, disclosure_id)
        account = disclosure.figures["accounts"][0]
        assert (account["opening"], account["receipts"], account["payments"]) == (
            "10000.00",
            "3000.00",
            "450.00",
        )
        assert account["closing"] == "12550.00"
        assert [v["summary"] for v in account["vouchers"]] == ["收鱼塘承包费", "村部粉刷"]
        assert disclosure.title == "2025年3月财务收支公开"
        assert "期末余额 12550.00 元" in disclosure.content
        states = {v.id: v.state for v in session.scalars(select(Voucher))}
        assert states == {rent: "disclosed", paint: "disclosed", april: "booked"}
        assert session.get(Voucher, rent).disclosure_id == disclosure_id
    with pytest.raises(SupervisionError, match="2025年3月的财务公开已经发布"):
        desk("county", generate, now=APRIL)

    def too_early(session, actor):
        disclosures.financial_disclosure(session, actor, VILLAGE, parse_period("2025-04"))

    with pytest.raises(SupervisionError, match="尚未结束"):
        desk("county", too_early, now=APRIL)


def test_the_calendar_lists_what_each_village_must_disclose_and_flags_overdue_ones(county, desk):
    rules = [
        {"category": "finance", "frequency": "monthly", "due_days": 10},
        {"category": "village", "frequency": "quarterly", "due_days": 15},
    ]

    def build(session, actor):
        return disclosures.build_calendar(session, "500243001000", 2025, rules)

    assert desk("county", build) == 2 * (12 + 4)  # two villages under 汉葭街道
    assert desk("county", build) == 0  # building again adds nothing
    publish(desk, now=dt.datetime(2025, 4, 10, 2, tzinfo=dt.UTC))  # Q1, due 4-15: on time
    with county.db.transaction() as session:
        day = dt.date(2025, 5, 1)
        overdue = disclosures.overdue(session, "500243001000", day)
        assert [(d.locality_code, d.category, d.period_label) for d in overdue] == [
            (VILLAGE, "finance", "2025年1月"),
            (NEIGHBOUR, "finance", "2025年1月"),
            (VILLAGE, "finance", "2025年2月"),
            (NEIGHBOUR, "finance", "2025年2月"),
            (VILLAGE, "finance", "2025年3月"),
            (NEIGHBOUR, "finance", "2025年3月"),
            (NEIGHBOUR, "village", "2025年第1季度"),
        ]
        q1 = session.scalar(
            select(DisclosureDue).where(
                DisclosureDue.locality_code == VILLAGE, DisclosureDue.category == "village"
            )
        )
        assert (q1.status_on(day), q1.fulfilled_on) == ("按期公开", dt.date(2025, 4, 10))
        own = disclosures.overdue(session, NEIGHBOUR, day)
        assert {d.locality_code for d in own} == {NEIGHBOUR}


def test_a_late_disclosure_fulfils_its_calendar_entry_but_is_marked_late(county, desk):
    def build(session, actor):
        rule = [{"category": "village", "frequency": "quarterly", "due_days": 15}]
        disclosures.build_calendar(session, VILLAGE, 2025, rule)

    desk("county", build)
    publish(desk, now=dt.datetime(2025, 5, 3, 2, tzinfo=dt.UTC))
    with county.db.transaction() as session:
        due = session.scalar(
            select(DisclosureDue).where(DisclosureDue.period_label == "2025年第1季度")
        )
        assert due.status_on(dt.date(2025, 6, 1)) == "逾期公开"
        assert disclosures.overdue(session, VILLAGE, dt.date(2025, 6, 1)) == []


def test_the_board_of_a_village_gathers_its_disclosures_and_other_plugins_notices(make_runtime):
    runtime = make_runtime(["supervision", "example"])
    from gongzhi_example.models import Suggestion

    with runtime.db.transaction() as session:
        seed_tree(session)
        add_account(session, "clerk", VILLAGE, ["village_admin"])
        session.add(
            Suggestion(
                title="修路灯", body="…", locality_code=VILLAGE, state="answered", answer="已修好"
            )
        )
        actor = principal(runtime, session, "clerk")
        first = disclosures.publish(
            session,
            actor,
            locality_code=VILLAGE,
            category="party",
            title="发展党员公示",
            content="拟发展张某为预备党员",
        )
        disclosures.amend(
            session, actor, first, content="拟发展张某、李某为预备党员", reason="漏列一人"
        )
    with runtime.db.transaction() as session:
        place = session.get(Locality, VILLAGE)
        entries = disclosures.board(session, place)
        titles = [(e.category, e.title, e.amended) for e in entries]
        assert ("意见答复", "关于“修路灯”的答复", False) in titles
        assert ("党务公开", "更正：发展党员公示", True) in titles
        assert ("党务公开", "发展党员公示", False) not in titles  # superseded by the amendment
        notices = disclosures.notices(session, place)
        assert [n.title for n in notices] == ["更正：发展党员公示", "发展党员公示"]
        assert notices[0].summary == "更正理由：漏列一人"


def test_money_in_disclosures_is_decimal_text():
    assert disclosures.money_text(Decimal("1234.5")) == "1,234.50"
