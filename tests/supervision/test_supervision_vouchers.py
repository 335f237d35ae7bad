"""三资 · 资金: vouchers are audited by someone else before they are booked, booked exactly
once, never edited afterwards, and corrected only by red-ink reversing vouchers."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from supervision_support import VILLAGE

from core.models import AuditEntry, EventRecord
from core.workflow import WorkflowError
from plugins.supervision.models import (
    FundAccount,
    FundPeriod,
    LockedRecordError,
    MajorMatter,
    Voucher,
    VoucherLine,
)
from plugins.supervision.services import SupervisionError, funds

MARCH = dt.datetime(2025, 3, 15, 2, 0, tzinfo=dt.UTC)


def make(desk, cash, kind="payment", amounts=("800.00",), summary="购买办公用品", **extra):
    def work(session, actor):
        account = session.get(FundAccount, cash.id)
        lines = [{"subject": "管理费用", "summary": summary, "amount": a} for a in amounts]
        voucher = funds.make_voucher(
            session,
            account=account,
            kind=kind,
            voucher_date=dt.date(2025, 3, 10),
            summary=summary,
            lines=lines,
            actor=actor,
            **extra,
        )
        return voucher.id

    return desk("clerk", work)


def step(desk, username, voucher_id, name, reason=None, now=MARCH):
    def work(session, actor):
        voucher = session.get(Voucher, voucher_id)
        funds.apply(voucher, name, actor, session, reason=reason)
        return voucher.state

    return desk(username, work, now=now)


def through(desk, voucher_id, *, until="book", now=MARCH):
    step(desk, "clerk", voucher_id, "submit", now=now)
    if until == "submit":
        return
    step(desk, "supervisor", voucher_id, "audit", now=now)
    if until == "audit":
        return
    step(desk, "accountant", voucher_id, "book", now=now)


def balance(county, cash):
    with county.db.transaction() as session:
        return session.get(FundAccount, cash.id).balance


def voucher(county, voucher_id):
    with county.db.transaction() as session:
        found = session.get(Voucher, voucher_id)
        found.lines  # noqa: B018 - load before the session closes
        return found


def test_a_voucher_is_made_audited_by_the_supervisor_and_booked_by_the_accountant(
    county, desk, cash
):
    voucher_id = make(desk, cash, amounts=("500.00", "300.50"))
    assert voucher(county, voucher_id).amount == Decimal("800.50")
    through(desk, voucher_id)
    booked = voucher(county, voucher_id)
    assert booked.state == "booked"
    assert (booked.made_by, booked.audited_by, booked.booked_by) == (
        "account:clerk",
        "account:supervisor",
        "account:accountant",
    )
    assert booked.seq == 1 and booked.period == "2025-03"
    assert balance(county, cash) == Decimal("9199.50")
    with county.db.transaction() as session:
        period = session.scalar(select(FundPeriod).where(FundPeriod.account_id == cash.id))
        assert (period.period, period.payments, period.receipts, period.vouchers) == (
            "2025-03",
            Decimal("800.50"),
            Decimal("0.00"),
            1,
        )
        event = session.scalar(
            select(EventRecord).where(EventRecord.name == "supervision.voucher_booked")
        )
        assert event.payload["amount"] == "-800.50" and event.locality_code == VILLAGE


def test_the_maker_of_a_voucher_cannot_audit_it(county, desk, cash):
    voucher_id = make(desk, cash)
    step(desk, "clerk", voucher_id, "submit")
    with pytest.raises(WorkflowError, match="制单人不能审核自己"):
        step(desk, "clerk", voucher_id, "audit")
    assert voucher(county, voucher_id).state == "submitted"
    assert voucher(county, voucher_id).audited_by is None


def test_the_auditor_cannot_book_what_they_audited_nor_the_maker_book_their_own(
    make_runtime,
):
    from supervision_support import Desk

    runtime = make_runtime(["supervision"])
    from core.testing import add_account, seed_tree

    with runtime.db.transaction() as session:
        seed_tree(session)
        # A town account holds every voucher permission: the guards, not the roles, stop it.
        add_account(session, "clerk", VILLAGE, ["village_admin"])
        add_account(session, "all1", "500243001000", ["town_admin", "village_admin"])
        add_account(session, "all2", "500243001000", ["town_admin", "village_admin"])
        account = FundAccount(
            locality_code=VILLAGE,
            code="101",
            name="现金",
            opening_balance=Decimal("100"),
            opened_on=dt.date(2025, 1, 1),
        )
        session.add(account)
        session.flush()
        account_id = account.id
    desk = Desk(runtime)

    def make_as(username):
        def work(session, actor):
            account = session.get(FundAccount, account_id)
            return funds.make_voucher(
                session,
                account=account,
                kind="receipt",
                voucher_date=dt.date(2025, 3, 1),
                summary="收到租金",
                lines=[{"subject": "发包及上交收入", "amount": "50"}],
                actor=actor,
            ).id

        return desk(username, work)

    first = make_as("all1")
    step(desk, "all1", first, "submit")
    step(desk, "all2", first, "audit")
    with pytest.raises(WorkflowError, match="制单人不能为自己制作的凭证记账"):
        step(desk, "all1", first, "book")
    with pytest.raises(WorkflowError, match="审核人不能为自己审核的凭证记账"):
        step(desk, "all2", first, "book")
    assert voucher(runtime, first).state == "audited"


def test_an_auditor_sends_a_voucher_back_with_a_reason_and_the_clerk_may_then_edit_it(
    county, desk, cash
):
    voucher_id = make(desk, cash)
    step(desk, "clerk", voucher_id, "submit")
    with pytest.raises(WorkflowError, match="必须填写理由"):
        step(desk, "supervisor", voucher_id, "send_back")
    assert step(desk, "supervisor", voucher_id, "send_back", reason="缺少发票") == "draft"
    assert voucher(county, voucher_id).audit_opinion == "缺少发票"

    def fix(session, actor):
        funds.replace_lines(
            session.get(Voucher, voucher_id), [{"subject": "管理费用", "amount": "780"}]
        )

    desk("clerk", fix)
    assert voucher(county, voucher_id).amount == Decimal("780.00")


def test_a_submitted_voucher_cannot_be_changed_behind_the_auditors_back(county, desk, cash):
    voucher_id = make(desk, cash)
    step(desk, "clerk", voucher_id, "submit")

    def tamper(session, actor):
        session.get(Voucher, voucher_id).summary = "另一件事"

    with pytest.raises(LockedRecordError, match="凭证已提交，内容不能修改"):
        desk("clerk", tamper)
    assert voucher(county, voucher_id).summary == "购买办公用品"


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda v: setattr(v, "amount", Decimal("1")), id="amount"),
        pytest.param(lambda v: setattr(v, "summary", "改过的摘要"), id="summary"),
        pytest.param(lambda v: setattr(v, "voucher_date", dt.date(2025, 1, 1)), id="date"),
        pytest.param(lambda v: setattr(v.lines[0], "amount", Decimal("1")), id="line"),
        pytest.param(
            lambda v: v.lines.append(VoucherLine(position=9, subject="其他", amount="1")),
            id="new-line",
        ),
    ],
)
def test_a_booked_voucher_is_never_edited(county, desk, cash, edit):
    voucher_id = make(desk, cash)
    through(desk, voucher_id)
    with county.db.transaction() as session:
        audit_entries = session.scalar(select(func.count()).select_from(AuditEntry))

    def tamper(session, actor):
        edit(session.get(Voucher, voucher_id))
        session.flush()

    with pytest.raises(LockedRecordError, match="不能修改"):
        desk("accountant", tamper)
    kept = voucher(county, voucher_id)
    assert (kept.amount, kept.summary, kept.lines[0].amount) == (
        Decimal("800.00"),
        "购买办公用品",
        Decimal("800.00"),
    )
    assert len(kept.lines) == 1
    with county.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audit_entries


def test_a_booked_voucher_cannot_be_deleted(county, desk, cash):
    voucher_id = make(desk, cash)
    through(desk, voucher_id)

    def delete(session, actor):
        session.delete(session.get(Voucher, voucher_id))

    with pytest.raises(LockedRecordError, match="只有草稿凭证可以删除"):
        desk("county", delete)
    assert voucher(county, voucher_id).state == "booked"


def test_a_red_ink_reversal_with_a_reason_brings_the_balance_back(county, desk, cash):
    original = make(desk, cash, amounts=("1200.00",))
    through(desk, original)
    assert balance(county, cash) == Decimal("8800.00")

    def reverse(session, actor):
        return funds.reverse_voucher(
            session, session.get(Voucher, original), actor, "重复支付，冲销"
        ).id

    reversal = desk("clerk", reverse)
    red = voucher(county, reversal)
    assert (red.kind, red.amount, red.reverses_id, red.reason, red.state) == (
        "payment",
        Decimal("-1200.00"),
        original,
        "重复支付，冲销",
        "draft",
    )
    assert [line.amount for line in red.lines] == [Decimal("-1200.00")]
    assert red.kind_label == "红字支出凭证"
    through(desk, reversal, now=dt.datetime(2025, 4, 2, 2, tzinfo=dt.UTC))
    assert balance(county, cash) == Decimal("10000.00")
    assert voucher(county, original).state == "booked"  # the original stays as it was
    with county.db.transaction() as session:
        periods = {
            p.period: p.payments
            for p in session.scalars(select(FundPeriod).where(FundPeriod.account_id == cash.id))
        }
        assert periods == {"2025-03": Decimal("1200.00"), "2025-04": Decimal("-1200.00")}
        account = session.get(FundAccount, cash.id)
        march = funds.statement(session, account, "2025-03", "2025-03")
        april = funds.statement(session, account, "2025-04", "2025-04")
        assert (march.opening, march.closing) == (Decimal("10000.00"), Decimal("8800.00"))
        assert (april.opening, april.closing) == (Decimal("8800.00"), Decimal("10000.00"))
        assert funds.balance_check(session, account) == (Decimal("10000.00"),) * 2


def test_a_voucher_is_reversed_once_and_a_reversal_is_never_reversed(county, desk, cash):
    original = make(desk, cash)
    through(desk, original)

    def reverse(voucher_id, reason="录入错误"):
        def work(session, actor):
            return funds.reverse_voucher(
                session, session.get(Voucher, voucher_id), actor, reason
            ).id

        return work

    with pytest.raises(ValueError, match="冲销理由不能为空"):
        desk("clerk", reverse(original, reason="  "))
    reversal = desk("clerk", reverse(original))
    with pytest.raises(SupervisionError, match="已有冲销凭证"):
        desk("clerk", reverse(original))
    through(desk, reversal)
    with pytest.raises(SupervisionError, match="红字冲销凭证不能再被冲销"):
        desk("clerk", reverse(reversal))
    unbooked = make(desk, cash)
    with pytest.raises(SupervisionError, match="未记账的凭证请退回修改"):
        desk("clerk", reverse(unbooked))


def test_a_payment_that_would_overdraw_the_account_is_refused_and_nothing_is_written(
    county, desk, cash
):
    voucher_id = make(desk, cash, amounts=("10000.01",), summary="修缮村部")
    with county.db.transaction() as session:
        session.get(FundAccount, cash.id)
    through(desk, voucher_id, until="audit")
    with pytest.raises(WorkflowError, match="余额不足"):
        step(desk, "accountant", voucher_id, "book")
    assert voucher(county, voucher_id).state == "audited"
    assert balance(county, cash) == Decimal("10000.00")
    with county.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(FundPeriod)) == 0


def test_spending_above_the_major_matter_threshold_needs_a_resolved_matter(county, desk, cash):
    voucher_id = make(desk, cash, amounts=("6000",), summary="村道硬化工程款")
    step(desk, "clerk", voucher_id, "submit")

    def audit_with_threshold(session, actor):
        session.info["plugins"].settings("supervision")["major_matter_threshold"] = Decimal("5000")
        try:
            funds.apply(session.get(Voucher, voucher_id), "audit", actor, session)
        finally:
            session.info["plugins"].settings("supervision")["major_matter_threshold"] = Decimal(
                "50000"
            )

    with pytest.raises(WorkflowError, match="须关联已经村民代表会议决议的四议两公开事项"):
        desk("supervisor", audit_with_threshold)

    def decided(session, actor):
        matter = MajorMatter(
            locality_code=VILLAGE, title="村道硬化", category="project", state="resolved"
        )
        session.add(matter)
        session.flush()
        return matter.id

    matter_id = desk("clerk", decided)

    def link_and_audit(session, actor):
        voucher = session.get(Voucher, voucher_id)
        funds.apply(voucher, "send_back", actor, session, reason="请关联决议")
        return voucher.id

    desk("supervisor", link_and_audit)

    def link(session, actor):
        session.get(Voucher, voucher_id).matter_id = matter_id

    desk("clerk", link)
    step(desk, "clerk", voucher_id, "submit")
    desk("supervisor", audit_with_threshold)
    assert voucher(county, voucher_id).state == "audited"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "凭证至少要有一条明细"),
        ([{"subject": "管理费用", "amount": "abc"}], "第 1 行：明细金额必须是数字"),
        (
            [{"subject": "管理费用", "amount": "1"}, {"subject": "管理费用", "amount": "1.005"}],
            "第 2 行：明细金额最多保留两位小数",
        ),
        ([{"subject": "", "amount": "10"}], "第 1 行：科目不能为空"),
        ([{"subject": "管理费用", "amount": "-10"}], "第 1 行：明细金额必须大于零"),
        ([{"subject": "管理费用", "amount": "0"}], "第 1 行：明细金额不能为零"),
    ],
)
def test_bad_voucher_lines_are_refused_naming_the_line_and_nothing_is_written(
    county, desk, cash, lines, message
):
    def work(session, actor):
        funds.make_voucher(
            session,
            account=session.get(FundAccount, cash.id),
            kind="payment",
            voucher_date=dt.date(2025, 3, 1),
            summary="测试",
            lines=lines,
            actor=actor,
        )

    with pytest.raises(SupervisionError, match=message):
        desk("clerk", work)
    with county.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Voucher)) == 0
        assert session.scalar(select(func.count()).select_from(VoucherLine)) == 0


def test_booking_numbers_vouchers_in_order_per_account(county, desk, cash):
    ids = [make(desk, cash, kind="receipt", amounts=(f"{n}00",)) for n in (1, 2, 3)]
    for voucher_id in ids:
        through(desk, voucher_id)
    assert [voucher(county, i).seq for i in ids] == [1, 2, 3]
    assert balance(county, cash) == Decimal("10600.00")


def _race(runtime, usernames, work):
    """Run ``work(session, actor)`` for each username at the same moment in its own thread."""
    from supervision_support import principal

    barrier = threading.Barrier(len(usernames))
    outcomes: list[object] = [None] * len(usernames)

    def run(index, username):
        try:
            with runtime.db.transaction(actor=f"account:{username}") as session:
                actor = principal(runtime, session, username)
                barrier.wait(timeout=10)
                work(session, actor)
            outcomes[index] = "ok"
        except Exception as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i, name)) for i, name in enumerate(usernames)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_accountants_booking_the_same_voucher_at_once_book_it_once(county, desk, cash):
    voucher_id = make(desk, cash, amounts=("2500.00",))
    through(desk, voucher_id, until="audit")

    def book(session, actor):
        funds.apply(session.get(Voucher, voucher_id), "book", actor, session)

    outcomes = _race(county, ["accountant", "town"], book)
    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    failure = next(o for o in outcomes if o != "ok")
    assert isinstance(failure, WorkflowError) and "已由他人记账" in str(failure)
    assert balance(county, cash) == Decimal("7500.00")
    with county.db.transaction() as session:
        assert session.scalar(select(FundPeriod.vouchers)) == 1
        assert session.get(FundAccount, cash.id).last_seq == 1
        booked_events = session.scalar(
            select(func.count())
            .select_from(EventRecord)
            .where(EventRecord.name == "supervision.voucher_booked")
        )
        assert booked_events == 1


def test_two_payments_booked_at_once_never_overdraw_the_account(county, desk, cash):
    first = make(desk, cash, amounts=("6000.00",), summary="购买垃圾桶")
    second = make(desk, cash, amounts=("5000.00",), summary="维修路灯")
    for voucher_id in (first, second):
        through(desk, voucher_id, until="audit")
    order = iter([first, second])
    lock = threading.Lock()

    def book(session, actor):
        with lock:
            voucher_id = next(order)
        funds.apply(session.get(Voucher, voucher_id), "book", actor, session)

    outcomes = _race(county, ["accountant", "town"], book)
    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    assert any(isinstance(o, WorkflowError) and "余额不足" in str(o) for o in outcomes)
    assert balance(county, cash) in (Decimal("4000.00"), Decimal("5000.00"))
    with county.db.transaction() as session:
        account = session.get(FundAccount, cash.id)
        maintained, recomputed = funds.balance_check(session, account)
        assert maintained == recomputed


def test_a_draft_may_be_deleted_unless_its_originals_are_attached(county, desk, cash):
    from plugins.supervision.services import attachments

    plain = make(desk, cash)
    scanned = make(desk, cash)
    desk(
        "clerk",
        lambda session, actor: attachments.attach(
            session, actor, "voucher", session.get(Voucher, scanned), "发票.pdf", b"%PDF-1.4 x"
        ),
    )
    desk("clerk", lambda session, actor: session.delete(session.get(Voucher, plain)))

    def delete_scanned(session, actor):
        session.delete(session.get(Voucher, scanned))

    with pytest.raises(LockedRecordError, match="已上传附件，不能删除"):
        desk("clerk", delete_scanned)
    with county.db.transaction() as session:
        assert session.scalars(select(Voucher.id)).all() == [scanned]
