"""Money: the care fund never overdrawn, monthly batches paid once, corrections as new lines."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from assistance_support import (
    COUNTY_CODE,
    TODAY,
    VILLAGE,
    add_family,
    build_county,
    consent_for,
    fill_tasks,
    freeze,
)
from sqlalchemy import func, select, update

from core.models import Person, Tag
from core.workflow import WorkflowError
from plugins.assistance.carefund import fund_for, reverse_grant
from plugins.assistance.cases import create_application
from plugins.assistance.errors import AssistanceError
from plugins.assistance.models import (
    AssistanceApplication,
    AssistanceBatch,
    AssistanceCoverage,
    AssistanceEnrolment,
    AssistancePayment,
    CareFund,
    CareFundEntry,
)
from plugins.assistance.payments import (
    bank_file,
    request_reversal,
    request_supplement,
    run_batch,
    run_batch_and_commit,
    verify_batch,
)
from plugins.assistance.workflow import APPLICATION_WORKFLOW as FLOW
from plugins.assistance.workflow import ENROLMENT_WORKFLOW


@pytest.fixture
def county(make_runtime, monkeypatch):
    freeze(monkeypatch)
    return build_county(make_runtime)


def fund_state(county):
    with county.session() as session:
        fund = session.scalars(select(CareFund)).one()
        entries = session.scalars(select(CareFundEntry).order_by(CareFundEntry.id)).all()
        return fund.balance, fund.raised, fund.granted, [(e.kind, e.amount) for e in entries]


def party_members_in_notice(county, count: int, expense: str = "60000") -> list[int]:
    """``count`` party members' care-fund cases, each assessed at 5,000 and in notice."""
    ids = []
    with county.session() as session:
        tag = session.scalar(select(Tag).where(Tag.name == "党员"))
        for n in range(count):
            family = add_family(session, f"H-P{n}", VILLAGE, [(f"党员{n}", "户主", 1960)], 100 + n)
            session.get(Person, family.member_ids[0]).tags = [tag]
            application = create_application(
                session,
                actor=county.actor(session, "town"),
                id_number=family.head,
                programme_code="party_care",
                cause="illness",
                claimed_amount=expense,
                accept=True,
            )
            consent_for(session, county, application, scope=["expense"])
            FLOW.apply(application, "verify", county.actor(session, "town"), session)
            fill_tasks(session, county, application, {"expense": expense})
            FLOW.apply(application, "assess", county.actor(session, "town"), session)
            FLOW.apply(application, "publish", county.actor(session, "town"), session)
            ids.append(application.id)
    return ids


# --- the party care fund ----------------------------------------------------------------------


def test_approving_a_care_fund_grant_takes_it_from_the_balance_with_a_ledger_entry(
    county, monkeypatch
):
    [application_id] = party_members_in_notice(county, 1)
    freeze(monkeypatch, TODAY + dt.timedelta(days=7))
    with county.session() as session:
        application = session.get(AssistanceApplication, application_id)
        FLOW.apply(application, "approve", county.actor(session, "town2"), session, reason="同意")
    balance, raised, granted, entries = fund_state(county)
    assert (balance, raised, granted) == (
        Decimal("15000.00"),
        Decimal("20000.00"),
        Decimal("5000.00"),
    )
    assert entries == [("raise", Decimal("20000.00")), ("grant", Decimal("-5000.00"))]


def test_a_grant_the_balance_cannot_cover_is_refused_and_nothing_is_written(county, monkeypatch):
    ids = party_members_in_notice(county, 5)
    freeze(monkeypatch, TODAY + dt.timedelta(days=7))
    outcomes = []
    for application_id in ids:
        try:
            with county.session() as session:
                application = session.get(AssistanceApplication, application_id)
                FLOW.apply(
                    application, "approve", county.actor(session, "town2"), session, reason="同意"
                )
            outcomes.append("approved")
        except WorkflowError as exc:
            outcomes.append(str(exc))
    assert outcomes[:4] == ["approved"] * 4
    assert outcomes[4] == "关爱资金余额不足：当前余额 0.00 元，本次需 5,000.00 元"
    balance, _, granted, entries = fund_state(county)
    assert (balance, granted) == (Decimal("0.00"), Decimal("20000.00"))
    assert len(entries) == 5
    with county.session() as session:
        assert session.get(AssistanceApplication, ids[4]).state == "notice"


def test_concurrent_approvals_never_overdraw_the_care_fund(county, monkeypatch):
    ids = party_members_in_notice(county, 8)
    freeze(monkeypatch, TODAY + dt.timedelta(days=7))
    barrier = threading.Barrier(len(ids))
    results: dict[int, str] = {}

    def approve(application_id: int) -> None:
        session = county.runtime.db.new_session(actor="account:town2", channel="test")
        try:
            application = session.get(AssistanceApplication, application_id)
            actor = county.actor(session, "town2")
            barrier.wait(timeout=30)
            FLOW.apply(application, "approve", actor, session, reason="同意")
            session.commit()
            results[application_id] = "approved"
        except WorkflowError as exc:
            session.rollback()
            results[application_id] = str(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    approved = [i for i, r in results.items() if r == "approved"]
    refused = [r for r in results.values() if r != "approved"]
    assert len(results) == 8
    assert len(approved) == 4  # 20,000 covers exactly four grants of 5,000
    assert all("关爱资金余额不足" in r for r in refused), refused
    balance, _, granted, entries = fund_state(county)
    assert balance == Decimal("0.00")
    assert granted == Decimal("20000.00")
    assert sum(amount for _, amount in entries) == balance
    with county.session() as session:
        states = session.scalars(
            select(AssistanceApplication.state).where(AssistanceApplication.id.in_(ids))
        ).all()
        assert sorted(states) == ["approved"] * 4 + ["notice"] * 4


def test_the_database_refuses_a_negative_balance_even_if_code_forgets_to_check(county):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), county.session() as session:
        session.execute(update(CareFund).values(balance=CareFund.balance - Decimal("20000.01")))


def test_a_grant_is_corrected_by_a_reversing_entry_not_by_editing_it(county, monkeypatch):
    [application_id] = party_members_in_notice(county, 1)
    freeze(monkeypatch, TODAY + dt.timedelta(days=7))
    with county.session() as session:
        FLOW.apply(
            session.get(AssistanceApplication, application_id),
            "approve",
            county.actor(session, "town2"),
            session,
            reason="同意",
        )
    with county.session() as session:
        grant = session.scalars(select(CareFundEntry).where(CareFundEntry.kind == "grant")).one()
        reverse_grant(session, grant, "重复资助，款项已退回", "account:county")
        with pytest.raises(AssistanceError, match="已冲正过"):
            reverse_grant(session, grant, "再次冲正", "account:county")
    balance, _, granted, entries = fund_state(county)
    assert (balance, granted) == (Decimal("20000.00"), Decimal("0.00"))
    assert [kind for kind, _ in entries] == ["raise", "grant", "reversal"]


def test_the_nearest_fund_above_a_village_is_its_fund(county):
    with county.session() as session:
        assert fund_for(session, VILLAGE).locality_code == COUNTY_CODE


# --- monthly payment batches ------------------------------------------------------------------


def enrol_directly(
    session, county, family, programme, amount, start, persons=None, account="62170001"
):
    application = AssistanceApplication(
        programme=programme,
        applicant_id=family.member_ids[0],
        household_id=family.household_id,
        channel="window",
        state="approved",
        amount=Decimal(amount),
        eligible=True,
        locality_code=session.get(Person, family.member_ids[0]).locality_code,
        decided_at=dt.datetime(start.year, start.month, 1, tzinfo=dt.UTC),
    )
    session.add(application)
    session.flush()
    enrolment = AssistanceEnrolment(
        application=application,
        programme=programme,
        person_id=family.member_ids[0],
        household_id=family.household_id,
        active_key=f"{programme}:h{family.household_id}",
        start_on=start,
        monthly_amount=Decimal(amount),
        persons=persons or len(family.member_ids),
        payee_bank="农商银行",
        payee_account=account,
        locality_code=application.locality_code,
    )
    session.add(enrolment)
    session.flush()
    return enrolment


@pytest.fixture
def enrolled(county):
    with county.session() as session:
        zhang = enrol_directly(
            session, county, county.zhang, "minimum_living", "1200", dt.date(2026, 1, 1)
        )
        wang = enrol_directly(
            session, county, county.wang, "minimum_living", "500", dt.date(2026, 3, 1)
        )
        chen = enrol_directly(
            session, county, county.chen, "extreme_poverty", "1140", dt.date(2025, 6, 1)
        )
        return county, {"zhang": zhang.id, "wang": wang.id, "chen": chen.id}


def lines(county, period):
    with county.session() as session:
        return sorted(
            (p.enrolment_id, p.kind, p.amount)
            for p in session.scalars(
                select(AssistancePayment).where(AssistancePayment.period == period)
            )
        )


def test_a_monthly_batch_pays_every_running_enrolment_once(enrolled):
    county, ids = enrolled
    with county.session() as session:
        result = run_batch(
            session, period="2026-02", scope_code=COUNTY_CODE, actor_label="account:county"
        )
        assert result.created
        assert (result.batch.line_count, result.batch.total) == (2, Decimal("2340.00"))
    # 王 starts in March, so February pays 张 and 陈 only
    assert lines(county, "2026-02") == [
        (ids["zhang"], "monthly", Decimal("1200.00")),
        (ids["chen"], "monthly", Decimal("1140.00")),
    ]


def test_running_the_same_month_again_returns_the_existing_batch_and_writes_nothing(enrolled):
    county, _ = enrolled
    with county.session() as session:
        first = run_batch(
            session, period="2026-03", scope_code=COUNTY_CODE, actor_label="account:county"
        )
    with county.session() as session:
        again = run_batch(
            session, period="2026-03", scope_code=COUNTY_CODE, actor_label="account:county"
        )
        assert not again.created
        assert again.batch.id == first.batch.id
        assert "已存在" in again.message
    with county.session() as session:
        assert session.scalar(select(func.count()).select_from(AssistancePayment)) == 3
        assert session.scalar(select(func.count()).select_from(AssistanceBatch)) == 1


def test_two_concurrent_runs_for_the_same_month_produce_one_batch(enrolled):
    county, _ = enrolled
    barrier = threading.Barrier(4)
    results = []

    def run() -> None:
        session = county.runtime.db.new_session(actor="account:county", channel="test")
        try:
            barrier.wait(timeout=30)
            results.append(
                run_batch_and_commit(
                    session, period="2026-03", scope_code=COUNTY_CODE, actor_label="account:county"
                )
            )
        finally:
            session.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 4
    assert sum(1 for r in results if r.created) == 1
    assert len({r.batch.id for r in results}) == 1
    with county.session() as session:
        assert session.scalar(select(func.count()).select_from(AssistanceBatch)) == 1
        assert session.scalar(select(func.count()).select_from(AssistancePayment)) == 3
        assert session.scalar(select(func.count()).select_from(AssistanceCoverage)) == 3


def test_a_batch_is_run_for_a_county_not_for_a_town(enrolled):
    county, _ = enrolled
    with county.session() as session, pytest.raises(AssistanceError, match="县级及以上"):
        run_batch(session, period="2026-03", scope_code="500243001000", actor_label="account:town")


def test_a_malformed_month_is_refused(enrolled):
    county, _ = enrolled
    with county.session() as session, pytest.raises(AssistanceError, match="YYYY-MM"):
        run_batch(session, period="2026-13", scope_code=COUNTY_CODE, actor_label="account:county")


def test_suspended_enrolments_are_skipped_and_ended_ones_stop_after_their_last_month(
    enrolled, monkeypatch
):
    county, ids = enrolled
    with county.session() as session:
        actor = county.actor(session, "town")
        ENROLMENT_WORKFLOW.apply(
            session.get(AssistanceEnrolment, ids["wang"]),
            "suspend",
            actor,
            session,
            reason="外出务工，收入待核",
        )
        ENROLMENT_WORKFLOW.apply(
            session.get(AssistanceEnrolment, ids["chen"]),
            "exit",
            actor,
            session,
            reason="已入住敬老院集中供养",
        )
        assert session.get(AssistanceEnrolment, ids["chen"]).ended_on == dt.date(2026, 4, 1)
    with county.session() as session:
        run_batch(session, period="2026-03", scope_code=COUNTY_CODE, actor_label="account:county")
        run_batch(session, period="2026-04", scope_code=COUNTY_CODE, actor_label="account:county")
    assert [e for e, _, _ in lines(county, "2026-03")] == sorted([ids["zhang"], ids["chen"]])
    assert [e for e, _, _ in lines(county, "2026-04")] == [ids["zhang"]]


def test_approved_one_off_grants_are_paid_once_in_the_next_batch(county, monkeypatch):
    with county.session() as session:
        application = create_application(
            session,
            actor=county.actor(session, "town"),
            id_number=county.wang.head,
            programme_code="temporary",
            temporary_kind="emergency",
            claimed_amount="3000",
            accept=True,
        )
        application.state = "approved"
        application.amount = Decimal("3000")
        application.decided_at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
        application.open_key = None
    with county.session() as session:
        run_batch(session, period="2026-03", scope_code=COUNTY_CODE, actor_label="account:county")
        run_batch(session, period="2026-04", scope_code=COUNTY_CODE, actor_label="account:county")
    assert lines(county, "2026-03") == [(None, "one_off", Decimal("3000.00"))]
    assert lines(county, "2026-04") == []


def test_a_wrong_payment_is_reversed_by_a_negative_line_in_the_next_batch(enrolled):
    county, ids = enrolled
    with county.session() as session:
        run_batch(session, period="2026-03", scope_code=COUNTY_CODE, actor_label="account:county")
    with county.session() as session:
        paid = session.scalars(
            select(AssistancePayment).where(AssistancePayment.enrolment_id == ids["wang"])
        ).one()
        request_reversal(session, paid, "户籍迁出本县，三月不应发放", "account:county")
        with pytest.raises(AssistanceError, match="已申请过冲正"):
            request_reversal(session, paid, "again", "account:county")
    with county.session() as session:
        application = session.get(
            AssistanceApplication, session.get(AssistanceEnrolment, ids["zhang"]).application_id
        )
        request_supplement(
            session, application, "150", "一月至三月标准提高补发差额", "account:county"
        )
    with county.session() as session:
        result = run_batch(
            session, period="2026-04", scope_code=COUNTY_CODE, actor_label="account:county"
        )
    april = lines(county, "2026-04")
    assert (ids["wang"], "adjustment", Decimal("-500.00")) in april
    assert (ids["zhang"], "adjustment", Decimal("150.00")) in april
    assert result.batch.total == Decimal("1200.00") + Decimal("500.00") + Decimal(
        "1140.00"
    ) - Decimal("500.00") + Decimal("150.00")
    with county.session() as session:
        march = session.scalars(
            select(AssistancePayment).where(AssistancePayment.period == "2026-03")
        ).all()
        assert len(march) == 3  # the paid line itself is untouched


def test_a_batch_detects_a_line_changed_after_the_fact(enrolled):
    county, _ = enrolled
    with county.session() as session:
        batch = run_batch(
            session, period="2026-03", scope_code=COUNTY_CODE, actor_label="account:county"
        ).batch
        batch_id = batch.id
    with county.session() as session:
        assert verify_batch(session, session.get(AssistanceBatch, batch_id))
        session.execute(
            update(AssistancePayment)
            .where(AssistancePayment.batch_id == batch_id)
            .values(amount=AssistancePayment.amount + 1)
        )
    with county.session() as session:
        assert not verify_batch(session, session.get(AssistanceBatch, batch_id))


def test_the_bank_file_lists_each_payee_with_the_full_number_and_is_recorded(enrolled):
    county, _ = enrolled
    with county.session() as session:
        batch = run_batch(
            session, period="2026-03", scope_code=COUNTY_CODE, actor_label="account:county"
        ).batch
        content = bank_file(session, batch, "csv", "account:county")
        text = content.decode("utf-8-sig")
        assert (
            text.splitlines()[0]
            == "序号,领款人姓名,身份证号,开户银行,银行账号,金额,救助项目,所属区划,发放月份,类型"
        )
        assert (
            f"张建国,{county.zhang.head},农商银行,62170001,1200.00,城乡低保,城南社区,2026-03,按月发放"
            in text
        )
        assert batch.exported_count == 1
        workbook = bank_file(session, batch, "xlsx", "account:county")
        assert workbook[:2] == b"PK"
        from io import BytesIO

        from openpyxl import load_workbook

        sheet = load_workbook(BytesIO(workbook)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][2] == "身份证号"
        assert {row[2] for row in rows[1:]} >= {county.zhang.head}
        assert all(isinstance(row[2], str) for row in rows[1:])


def test_no_bank_file_while_a_payee_has_no_account(enrolled):
    county, ids = enrolled
    with county.session() as session:
        session.get(AssistanceEnrolment, ids["chen"]).payee_account = None
        batch = run_batch(
            session, period="2026-03", scope_code=COUNTY_CODE, actor_label="account:county"
        ).batch
        with pytest.raises(AssistanceError, match=r"1 人未登记收款账号.*陈孤老"):
            bank_file(session, batch, "csv", "account:county")
        assert batch.exported_count == 0
