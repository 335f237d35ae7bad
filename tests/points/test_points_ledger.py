"""The ledger's invariants, checked on random histories (hypothesis): every transfer sums to zero,
every balance equals the sum of its movements, no balance below its floor; and expiry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from points_support import NEIGHBOUR, VILLAGE
from sqlalchemy import func, select

from core.security import SystemActor
from plugins.points.ledger import (
    Holder,
    LedgerError,
    accounts_for,
    expire,
    post_transfer,
    reverse_transfer,
    system_key,
    verify,
)
from plugins.points.models import PointsAccount, PointsProduct, PointsTally, PointsTransfer
from plugins.points.supermarket import SupermarketError, reserve

NAMES = ["张三", "李梅", "王五", "赵六", "孙七"]

operations = st.lists(
    st.one_of(
        st.tuples(st.just("award"), st.integers(0, 4), st.integers(1, 60), st.integers(1, 12)),
        st.tuples(st.just("deduct"), st.integers(0, 4), st.integers(1, 80), st.integers(1, 12)),
        st.tuples(st.just("redeem"), st.integers(0, 4), st.integers(1, 5), st.just(0)),
        st.tuples(st.just("reverse"), st.integers(0, 30), st.just(0), st.just(0)),
        st.tuples(st.just("unbalanced"), st.integers(0, 4), st.integers(1, 9), st.just(0)),
    ),
    min_size=1,
    max_size=25,
)


def _holder_accounts(county, session, index):
    name = NAMES[index]
    code = NEIGHBOUR if name == "孙七" else VILLAGE
    holder = Holder("resident", person_id=county.people[name])
    accounts = accounts_for(session, [(holder, code)], [("issuing", "resident", code)])
    return accounts[holder.key], accounts[system_key("issuing", "resident", code)], code


def _apply(county, session, op, product_id):
    kind, index, amount, month = op
    if kind in ("award", "deduct", "unbalanced"):
        holder, issuing, code = _holder_accounts(county, session, index)
        signed = amount if kind == "award" else -amount
        post_transfer(
            session,
            kind="award" if kind == "award" else "deduction",
            scheme="resident",
            locality_code=code,
            value_date=dt.date(2026, month or 1, 1),
            memo="随机历史",
            lines=[(holder, signed), (issuing, -signed + (1 if kind == "unbalanced" else 0))],
            actor="test",
        )
    elif kind == "redeem":
        holder, _, _ = _holder_accounts(county, session, index)
        reserve(session, SystemActor(), account=holder, product_id=product_id, quantity=amount)
    else:
        transfers = session.scalars(
            select(PointsTransfer)
            .where(PointsTransfer.reverses_id.is_(None))
            .order_by(PointsTransfer.id)
        ).all()
        if transfers:
            original = transfers[index % len(transfers)]
            reverse_transfer(session, original, "随机冲正", "test", kind="reversal")


@pytest.fixture
def ledger(county):
    with county.runtime.db.transaction() as session:
        from plugins.points.models import PointsMerchant

        merchant = PointsMerchant(name="爱心超市", locality_code=VILLAGE, contract_active=True)
        session.add(merchant)
        session.flush()
        product = PointsProduct(
            merchant_id=merchant.id,
            locality_code=VILLAGE,
            name="洗衣粉",
            points_price=7,
            cost_price=Decimal("9.90"),
            stock=40,
        )
        session.add(product)
    return county, product.id


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=operations)
def test_random_histories_keep_the_ledger_invariants(ledger, history):
    county, product_id = ledger
    for op in history:
        try:
            with county.runtime.db.transaction() as session:
                _apply(county, session, op, product_id)
        except (LedgerError, SupermarketError) as exc:
            if op[0] == "unbalanced":
                assert "借贷不平衡" in str(exc)
    with county.runtime.db.new_session() as session:
        check = verify(session)
        assert check.ok, check
        assert session.scalar(select(func.min(PointsProduct.stock))) >= 0
        # the maintained tallies agree with the maintained totals, month by month and by year
        for account in session.scalars(select(PointsAccount).where(PointsAccount.kind == "holder")):
            tallies = session.execute(
                select(
                    PointsTally.period, PointsTally.earned, PointsTally.credits, PointsTally.debits
                ).where(PointsTally.account_id == account.id)
            ).all()
            months = [t for t in tallies if len(t.period) == 7]
            years = [t for t in tallies if len(t.period) == 4]
            assert sum(t.earned for t in months) == account.earned == sum(t.earned for t in years)
            assert sum(t.credits - t.debits for t in months) == account.balance
            assert account.balance >= account.floor


def test_a_transfer_that_does_not_balance_is_refused(county):
    with pytest.raises(LedgerError, match="借贷不平衡"), county.runtime.db.transaction() as s:
        holder, issuing, _ = _holder_accounts(county, s, 0)
        post_transfer(
            s,
            kind="award",
            scheme="resident",
            locality_code=VILLAGE,
            value_date=dt.date(2026, 1, 1),
            memo="x",
            lines=[(holder, 5), (issuing, -4)],
            actor="test",
        )
    with county.runtime.db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(PointsTransfer)) == 0


def test_a_transfer_is_reversed_only_once(county):
    with county.runtime.db.transaction() as session:
        holder, issuing, _ = _holder_accounts(county, session, 0)
        original = post_transfer(
            session,
            kind="award",
            scheme="resident",
            locality_code=VILLAGE,
            value_date=dt.date(2026, 1, 1),
            memo="x",
            lines=[(holder, 5), (issuing, -5)],
            actor="test",
        )
        reverse_transfer(session, original, "录错了", "test", kind="reversal")
        with pytest.raises(LedgerError, match=f"第 {original.id} 笔已于第 .* 笔冲正"):
            reverse_transfer(session, original, "再来一次", "test", kind="reversal")


def test_a_deduction_may_not_take_a_balance_below_the_floor(county):
    with county.runtime.db.transaction() as session:
        holder, issuing, _ = _holder_accounts(county, session, 0)
        assert holder.floor == -100
        post_transfer(
            session,
            kind="deduction",
            scheme="resident",
            locality_code=VILLAGE,
            value_date=dt.date(2026, 1, 1),
            memo="扣分",
            lines=[(holder, -100), (issuing, 100)],
            actor="test",
        )
    with (
        pytest.raises(LedgerError, match="积分余额不足：张三（余额 -100 分，需扣 1 分）"),
        county.runtime.db.transaction() as session,
    ):
        holder, issuing, _ = _holder_accounts(county, session, 0)
        post_transfer(
            session,
            kind="deduction",
            scheme="resident",
            locality_code=VILLAGE,
            value_date=dt.date(2026, 1, 1),
            memo="扣分",
            lines=[(holder, -1), (issuing, 1)],
            actor="test",
        )


def test_unspent_points_expire_oldest_first_and_only_once(make_county):
    county = make_county({"resident_holder": "person", "expiry_months": 3})
    with county.runtime.db.transaction() as session:
        holder, issuing, _ = _holder_accounts(county, session, 0)
        for month, points in ((1, 10), (2, 5)):
            post_transfer(
                session,
                kind="award",
                scheme="resident",
                locality_code=VILLAGE,
                value_date=dt.date(2026, month, 10),
                memo="加分",
                lines=[(holder, points), (issuing, -points)],
                actor="test",
            )
        spend = accounts_for(session, [], [("redeemed", "resident", VILLAGE)])
        post_transfer(
            session,
            kind="redemption",
            scheme="resident",
            locality_code=VILLAGE,
            value_date=dt.date(2026, 3, 1),
            memo="兑换",
            lines=[(holder, -8), (spend[system_key("redeemed", "resident", VILLAGE)], 8)],
            actor="test",
        )
    with county.runtime.db.transaction() as session:
        # in May the January points (10, of which 8 were spent) are past three months
        transfers = expire(session, dt.date(2026, 5, 10), 3, "test")
        assert [t.kind for t in transfers] == ["expiry"]
        assert session.get(PointsAccount, holder.id).balance == 5
        assert expire(session, dt.date(2026, 5, 20), 3, "test") == []
    with county.runtime.db.transaction() as session:
        expire(session, dt.date(2026, 6, 1), 3, "test")
        account = session.get(PointsAccount, holder.id)
        assert (account.balance, account.earned) == (0, 15)  # expiry does not undo what was earned
        assert verify(session).ok
