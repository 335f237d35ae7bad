"""爱心超市: redemptions never overspend or oversell, even concurrently; settlements at cost."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from points_support import VILLAGE
from sqlalchemy import func, select

from core.security import SystemActor
from plugins.points import supermarket
from plugins.points.exports import to_csv, to_xlsx
from plugins.points.ledger import (
    Holder,
    InsufficientPoints,
    accounts_for,
    post_transfer,
    system_key,
    verify,
)
from plugins.points.models import (
    PointsAccount,
    PointsMerchant,
    PointsProduct,
    PointsRedemption,
    PointsSettlement,
)
from plugins.points.supermarket import OutOfStock, SupermarketError, reserve, settle
from plugins.points.workflow import REDEMPTION_WORKFLOW


def fund(session, person_id: int, points: int) -> PointsAccount:
    """Give a resident ``points`` from the village's issuing account (a plain award)."""
    holder = Holder("resident", person_id=person_id)
    accounts = accounts_for(session, [(holder, VILLAGE)], [("issuing", "resident", VILLAGE)])
    account = accounts[holder.key]
    post_transfer(
        session,
        kind="award",
        scheme="resident",
        locality_code=VILLAGE,
        value_date=dt.date(2026, 3, 1),
        memo="测试发放",
        lines=[(account, points), (accounts[system_key("issuing", "resident", VILLAGE)], -points)],
        actor="test",
    )
    return account


def shop(session, stock=100, price=10, cost="12.50", active=True) -> PointsProduct:
    merchant = PointsMerchant(name="汉葭惠民超市", locality_code=VILLAGE, contract_active=active)
    session.add(merchant)
    session.flush()
    product = PointsProduct(
        merchant_id=merchant.id,
        locality_code=VILLAGE,
        name="金龙鱼食用油 5L",
        unit="桶",
        points_price=price,
        cost_price=Decimal(cost),
        stock=stock,
    )
    session.add(product)
    session.flush()
    return product


@pytest.fixture
def store(county):
    with county.runtime.db.transaction() as session:
        account = fund(session, county.people["张三"], 100)
        product = shop(session)
    return county, account.id, product.id


def test_a_redemption_takes_points_and_stock_and_a_cancellation_gives_both_back(store):
    county, account_id, product_id = store
    with county.runtime.db.transaction() as session:
        account = session.get(PointsAccount, account_id)
        redemption = reserve(
            session, SystemActor(), account=account, product_id=product_id, quantity=3
        )
        assert (redemption.points, redemption.cost_amount) == (30, Decimal("37.50"))
        assert account.balance == 70 and account.earned == 100
        assert session.get(PointsProduct, product_id).stock == 97
        REDEMPTION_WORKFLOW.apply(
            redemption, "cancel", county.principal(session, "village"), session, reason="不要了"
        )
        assert redemption.state == "cancelled"
        session.refresh(account)
        assert account.balance == 100
        assert session.get(PointsProduct, product_id).stock == 100
        assert verify(session).ok


def test_redemptions_beyond_balance_or_stock_are_refused_and_write_nothing(store):
    county, account_id, product_id = store
    message = "积分余额不足：张三（余额 100 分，需扣 110 分）"
    with pytest.raises(InsufficientPoints, match=message), county.runtime.db.transaction() as s:
        reserve(
            s,
            SystemActor(),
            account=s.get(PointsAccount, account_id),
            product_id=product_id,
            quantity=11,
        )
    with county.runtime.db.transaction() as session:
        session.get(PointsProduct, product_id).stock = 2
    message = "库存不足：金龙鱼食用油 5L仅剩 2 桶"
    with pytest.raises(OutOfStock, match=message), county.runtime.db.transaction() as s:
        reserve(
            s,
            SystemActor(),
            account=s.get(PointsAccount, account_id),
            product_id=product_id,
            quantity=3,
        )
    with county.runtime.db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(PointsRedemption)) == 0
        assert session.get(PointsAccount, account_id).balance == 100
        assert session.get(PointsProduct, product_id).stock == 2


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        ({"quantity": 0}, "quantity", "数量必须是 1 到 99 的整数"),
        ({"quantity": "2"}, "quantity", "数量必须是 1 到 99 的整数"),
        ({"product_id": 999}, "product_id", "商品 #999 不存在"),
    ],
)
def test_bad_redemption_input_names_the_field(store, bad, field, message):
    county, account_id, product_id = store
    with county.runtime.db.transaction() as session:
        data = {"product_id": product_id, "quantity": 1, **bad}
        account = session.get(PointsAccount, account_id)
        with pytest.raises(SupermarketError, match=message) as caught:
            reserve(session, SystemActor(), account=account, **data)
        assert caught.value.field == field


def test_a_merchant_without_an_active_contract_redeems_nothing(county):
    with county.runtime.db.transaction() as session:
        account = fund(session, county.people["张三"], 100)
        product = shop(session, active=False)
        with pytest.raises(SupermarketError, match="协议未生效或已到期"):
            reserve(session, SystemActor(), account=account, product_id=product.id, quantity=1)


def _race(county, account_id, product_id, attempts):
    barrier = threading.Barrier(attempts)
    outcomes = []
    lock = threading.Lock()

    def attempt():
        barrier.wait()
        try:
            with county.runtime.db.transaction(actor="test") as session:
                account = session.get(PointsAccount, account_id)
                reserve(session, SystemActor(), account=account, product_id=product_id, quantity=1)
            result = "ok"
        except (InsufficientPoints, OutOfStock) as exc:
            result = type(exc).__name__
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_fifty_concurrent_redemptions_against_a_balance_covering_ten_make_exactly_ten(county):
    with county.runtime.db.transaction() as session:
        account = fund(session, county.people["张三"], 100)
        product = shop(session, stock=1000, price=10)
    outcomes = _race(county, account.id, product.id, 50)
    assert outcomes.count("ok") == 10
    assert outcomes.count("InsufficientPoints") == 40
    with county.runtime.db.new_session() as session:
        assert session.get(PointsAccount, account.id).balance == 0
        assert session.get(PointsProduct, product.id).stock == 990
        assert session.scalar(select(func.count()).select_from(PointsRedemption)) == 10
        assert verify(session).ok


def test_thirty_concurrent_redemptions_of_a_product_with_five_left_sell_exactly_five(county):
    with county.runtime.db.transaction() as session:
        account = fund(session, county.people["张三"], 1000)
        product = shop(session, stock=5, price=1)
    outcomes = _race(county, account.id, product.id, 30)
    assert outcomes.count("ok") == 5
    assert outcomes.count("OutOfStock") == 25
    with county.runtime.db.new_session() as session:
        assert session.get(PointsProduct, product.id).stock == 0
        assert session.get(PointsAccount, account.id).balance == 995


def test_a_merchant_is_settled_at_cost_price_for_a_period_and_exports(store, travel):
    county, account_id, product_id = store
    travel(dt.date(2026, 3, 10))
    with county.runtime.db.transaction() as session:
        account = session.get(PointsAccount, account_id)
        manager = county.principal(session, "village")
        done = []
        for quantity in (1, 2, 3):
            redemption = reserve(
                session, manager, account=account, product_id=product_id, quantity=quantity
            )
            done.append(redemption)
        for redemption in done[:2]:
            REDEMPTION_WORKFLOW.apply(redemption, "fulfil", manager, session)
        with pytest.raises(Exception, match="请在“结算单”中按商户和期间结算"):
            REDEMPTION_WORKFLOW.apply(done[0], "settle", county.principal(session, "town"), session)
        merchant_id = done[0].merchant_id
    travel(dt.date(2027, 4, 1))
    with county.runtime.db.transaction() as session:
        with pytest.raises(SupermarketError, match="您没有结算的权限"):
            settle(
                session,
                county.principal(session, "village"),
                merchant_id,
                dt.date(2026, 3, 1),
                dt.date(2027, 3, 31),
            )
        settlement = settle(
            session,
            county.principal(session, "town"),
            merchant_id,
            dt.date(2026, 3, 1),
            dt.date(2027, 3, 31),
        )
        assert (settlement.redemptions, settlement.points, settlement.amount) == (
            2,
            30,
            Decimal("37.50"),
        )
        states = sorted(r.state for r in session.scalars(select(PointsRedemption)))
        assert states == ["reserved", "settled", "settled"]
        header, rows = supermarket.settlement_rows(session, settlement)
        assert rows[-1] == ["合计", "", 3, 30, "", Decimal("37.50")]
        csv_bytes = to_csv(header, rows, supermarket.settlement_title(settlement))
        assert csv_bytes.startswith("\ufeff".encode())
        assert "金龙鱼食用油 5L,桶,3,30,12.50,37.50" in csv_bytes.decode("utf-8-sig")
        xlsx = to_xlsx("结算单", header, rows, supermarket.settlement_title(settlement))
        from io import BytesIO

        from openpyxl import load_workbook

        sheet = load_workbook(BytesIO(xlsx)).active
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        assert ["金龙鱼食用油 5L", "桶", 3, 30, 12.5, 37.5] in values
        with pytest.raises(SupermarketError, match="没有待结算的兑换"):
            settle(
                session,
                county.principal(session, "town"),
                merchant_id,
                dt.date(2026, 3, 1),
                dt.date(2027, 3, 31),
            )
        assert session.scalar(select(func.count()).select_from(PointsSettlement)) == 1
