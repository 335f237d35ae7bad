"""三资 · 资产与资源: contracts bring yearly rent dues; payments never exceed what is owed;
unpaid rent past its grace period is on the overdue list."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select
from supervision_support import VILLAGE, principal

from plugins.supervision.models import CollectiveResource, LockedRecordError, RentDue, RentPayment
from plugins.supervision.services import SupervisionError, resources


@pytest.fixture
def pond(county):
    with county.db.transaction() as session:
        resource = CollectiveResource(
            locality_code=VILLAGE,
            code="ZY-007",
            name="大堰塘",
            kind="pond",
            area=Decimal("12.5"),
            unit="mu",
        )
        session.add(resource)
        session.flush()
        return resource.id


def contract(county, pond, **extra):
    with county.db.transaction() as session:
        values = {
            "resource": session.get(CollectiveResource, pond),
            "number": "CB-2024-003",
            "lessee": "冉永明",
            "start_on": dt.date(2024, 7, 1),
            "end_on": dt.date(2027, 6, 30),
            "annual_rent": "3650.00",
            "due_month": 12,
            "due_day": 31,
            **extra,
        }
        found = resources.create_contract(session, **values)
        return [(d.label, d.due_on, d.amount, d.id) for d in found.dues]


def test_a_contract_brings_a_rent_due_for_each_year_of_its_term(county, pond):
    dues = [(label, due_on, amount) for label, due_on, amount, _ in contract(county, pond)]
    assert dues == [
        ("2024年度", dt.date(2024, 12, 31), Decimal("1834.97")),  # 184 of 366 days
        ("2025年度", dt.date(2025, 12, 31), Decimal("3650.00")),
        ("2026年度", dt.date(2026, 12, 31), Decimal("3650.00")),
        ("2027年度", dt.date(2027, 12, 31), Decimal("1810.00")),  # 181 of 365 days
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"end_on": dt.date(2024, 6, 30)}, "终止日期必须晚于起始日期"),
        ({"annual_rent": "-1"}, "年租金不能为负数"),
        ({"annual_rent": "12.345"}, "年租金最多保留两位小数"),
        ({"due_month": 13}, "交租月份必须在 1 到 12 之间"),
        ({"lessee": ""}, "承包方不能为空"),
    ],
)
def test_a_bad_contract_is_refused(county, pond, extra, message):
    with pytest.raises(SupervisionError, match=message):
        contract(county, pond, **extra)
    with county.db.transaction() as session:
        assert session.scalars(select(RentDue)).all() == []


def test_payments_are_recorded_and_can_never_exceed_what_is_owed(county, pond):
    due_id = contract(county, pond)[1][3]

    def pay(amount, username="clerk"):
        with county.db.transaction(actor=f"account:{username}") as session:
            actor = principal(county, session, username)
            resources.record_payment(
                session, actor, session.get(RentDue, due_id), amount, dt.date(2025, 12, 20)
            )

    pay("2000")
    with pytest.raises(SupervisionError, match=r"超过尚欠的 1650\.00 元"):
        pay("1650.01")
    pay("1650")
    with county.db.transaction() as session:
        due = session.get(RentDue, due_id)
        assert (due.paid_amount, due.outstanding) == (Decimal("3650.00"), Decimal("0.00"))
        payment = session.scalars(select(RentPayment)).first()
        payment.amount = Decimal("1")
        with pytest.raises(LockedRecordError, match="缴款记录不能修改"):
            session.flush()
        session.rollback()


def test_two_clerks_recording_the_last_payment_at_once_never_overpay(county, pond):
    due_id = contract(county, pond)[1][3]
    barrier = threading.Barrier(2)
    outcomes = []

    def pay(username):
        try:
            with county.db.transaction(actor=f"account:{username}") as session:
                actor = principal(county, session, username)
                due = session.get(RentDue, due_id)
                barrier.wait(timeout=10)
                resources.record_payment(session, actor, due, "3000", dt.date(2025, 12, 1))
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=pay, args=(u,)) for u in ("clerk", "supervisor")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("ok") == 1, outcomes
    with county.db.transaction() as session:
        assert session.get(RentDue, due_id).paid_amount == Decimal("3000.00")


def test_unpaid_rent_past_the_grace_period_is_overdue(county, pond):
    contract(county, pond)
    with county.db.transaction() as session:
        listed = resources.overdue_rents(session, "500243001000", dt.date(2025, 2, 15), 30)
        assert [d.label for d in listed] == ["2024年度"]
        assert resources.overdue_rents(session, VILLAGE, dt.date(2025, 1, 20), 30) == []
        upcoming = resources.dues_between(
            session, VILLAGE, dt.date(2025, 1, 1), dt.date(2025, 12, 31)
        )
        assert [d.label for d in upcoming] == ["2025年度"]
