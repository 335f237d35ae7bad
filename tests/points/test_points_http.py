"""The points plugin through HTTP: the admin (CSRF on), the REST API and the public portal."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from helpers import api_token, bearer, csrf_token, flashes, logged_in, make_app, submit
from openpyxl import load_workbook
from points_support import NEIGHBOUR, VILLAGE
from sqlalchemy import func, select

from plugins.points.ledger import Holder, accounts_for, post_transfer, system_key
from plugins.points.models import (
    PointsAccount,
    PointsClaim,
    PointsMerchant,
    PointsProduct,
    PointsRankingSnapshot,
    PointsRedemption,
    PointsRule,
)

TODAY = dt.date(2026, 3, 10)


def page(response) -> str:
    return response.get_data(as_text=True)


def fund(session, person_id: int, points: int, code: str = VILLAGE) -> PointsAccount:
    holder = Holder("resident", person_id=person_id)
    accounts = accounts_for(session, [(holder, code)], [("issuing", "resident", code)])
    post_transfer(
        session,
        kind="award",
        scheme="resident",
        locality_code=code,
        value_date=dt.date(2026, 3, 1),
        memo="志愿服务",
        lines=[
            (accounts[holder.key], points),
            (accounts[system_key("issuing", "resident", code)], -points),
        ],
        actor="test",
    )
    return accounts[holder.key]


@pytest.fixture
def site(county, travel):
    """The county with a funded resident, a shop in each village and the app."""
    travel(TODAY)
    with county.runtime.db.transaction() as session:
        fund(session, county.people["张三"], 50)
        fund(session, county.people["孙七"], 50, NEIGHBOUR)
        for code, name in ((VILLAGE, "城南爱心超市"), (NEIGHBOUR, "长滩便民店")):
            merchant = PointsMerchant(name=name, locality_code=code, contract_active=True)
            session.add(merchant)
            session.flush()
            session.add(
                PointsProduct(
                    merchant_id=merchant.id,
                    locality_code=code,
                    name=f"{name}大米",
                    unit="袋",
                    points_price=20,
                    cost_price=Decimal("45.00"),
                    stock=5,
                )
            )
    county.app = make_app(county.runtime)
    return county


def ids(site, model, **where):
    with site.runtime.db.new_session() as session:
        statement = select(model.id).filter_by(**where).order_by(model.id)
        return list(session.scalars(statement))


# --- admin ----------------------------------------------------------------------------------


def test_a_village_submits_a_claim_in_the_admin_and_the_town_sends_it_to_notice(site):
    village = logged_in(site.app, "village")
    form = {
        "rule_code": "ZY01",
        "locality": VILLAGE,
        "activity": "三月敬老志愿服务",
        "occurred_on": "2026-03-08",
        "evidence": "照片",
        "persons": f"{site.people['张三']},{site.people['李梅']}",
    }
    response = submit(village, "/admin/points_pointsclaim/new/", form)
    assert response.status_code == 302, flashes(page(response))
    (claim_id,) = ids(site, PointsClaim)
    details = f"/admin/points_pointsclaim/details/?id={claim_id}"
    assert "待审核" in page(village.get(details))
    assert "审核通过（进入公示）" not in page(village.get(details))  # villages do not review
    town = logged_in(site.app, "town")
    assert "审核通过（进入公示）" in page(town.get(details))
    token = csrf_token(town, "/admin/")
    response = town.post(
        "/admin/points_pointsclaim/transition/",
        data={"csrf_token": token, "id": str(claim_id), "transition": "approve"},
    )
    assert response.status_code == 302
    with site.runtime.db.new_session() as session:
        assert session.get(PointsClaim, claim_id).state == "notice"


def test_an_admin_claim_for_a_neighbours_resident_is_refused_and_nothing_is_written(site):
    village = logged_in(site.app, "village")
    form = {
        "rule_code": "ZY01",
        "locality": VILLAGE,
        "activity": "越界申报",
        "occurred_on": "2026-03-08",
        "persons": str(site.people["孙七"]),
    }
    response = submit(village, "/admin/points_pointsclaim/new/", form)
    assert response.status_code == 200
    assert any("孙七不在您的管辖范围内" in m for m in flashes(page(response)))
    response = submit(
        village,
        "/admin/points_pointsclaim/new/",
        {**form, "rule_code": "NOPE", "persons": str(site.people["张三"])},
    )
    assert any("未知的积分规则代码：NOPE" in m for m in flashes(page(response)))
    assert ids(site, PointsClaim) == []


def test_the_admin_ledger_pages_stay_within_the_village(site):
    village = logged_in(site.app, "village")
    listing = page(village.get("/admin/points_pointsaccount/?page_size=100"))
    assert "张三" in listing and "孙七" not in listing
    (neighbour_account,) = ids(site, PointsAccount, kind="holder", locality_code=NEIGHBOUR)
    assert (
        village.get(f"/admin/points_pointsaccount/details/?id={neighbour_account}").status_code
        == 404
    )
    (own_account,) = ids(site, PointsAccount, kind="holder", locality_code=VILLAGE)
    details = page(village.get(f"/admin/points_pointsaccount/details/?id={own_account}"))
    assert "最近 50 笔流水" in details and "+50" in details
    assert village.get("/admin/points_pointstransfer/new/").status_code == 302  # read only


def test_a_redemption_is_made_in_the_admin_and_an_overspend_is_refused(site):
    village = logged_in(site.app, "village")
    (product_id, _) = ids(site, PointsProduct)
    form = {"holder_person": str(site.people["张三"]), "product": str(product_id), "quantity": "2"}
    response = submit(village, "/admin/points_pointsredemption/new/", form)
    assert response.status_code == 302, flashes(page(response))
    response = submit(village, "/admin/points_pointsredemption/new/", {**form, "quantity": "1"})
    assert any("积分余额不足" in m for m in flashes(page(response)))
    with site.runtime.db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(PointsRedemption)) == 1
        assert session.get(PointsProduct, product_id).stock == 3


def test_restocking_adds_to_the_stock_instead_of_overwriting_it(site):
    village = logged_in(site.app, "village")
    (product_id, _) = ids(site, PointsProduct)
    url = f"/admin/points_pointsproduct/edit/?id={product_id}"
    with site.runtime.db.new_session() as session:
        product = session.get(PointsProduct, product_id)
        form = {
            "merchant": str(product.merchant_id),
            "name": product.name,
            "unit": product.unit,
            "points_price": "20",
            "cost_price": "45.00",
            "active": "y",
            "restock": "7",
        }
    response = submit(village, url, form)
    assert response.status_code == 302, flashes(page(response))
    with site.runtime.db.new_session() as session:
        assert session.get(PointsProduct, product_id).stock == 12


def test_a_village_overrides_a_county_rule_but_not_the_county_catalogue(site):
    village = logged_in(site.app, "village")
    form = {
        "code": "HJ01",
        "locality": VILLAGE,
        "scheme": "resident",
        "name": "垃圾分类示范",
        "category": "环境整治",
        "points": "3",
        "cap": "12",
        "cap_period": "month",
        "needs_review": "",
        "evidence": "照片",
        "trigger_event": "",
        "person_field": "person_id",
        "awarded_by": "village",
        "active": "y",
    }
    response = submit(village, "/admin/points_pointsrule/new/", form)
    assert response.status_code == 302, flashes(page(response))
    response = submit(village, "/admin/points_pointsrule/new/", {**form, "points": "0"})
    assert any("积分不能为 0" in m for m in flashes(page(response)))
    county = logged_in(site.app, "county")
    response = submit(county, "/admin/points_pointsrule/new/", {**form, "locality": "500243000000"})
    assert any("来自部署配置" in m for m in flashes(page(response)))
    with site.runtime.db.new_session() as session:
        versions = session.execute(
            select(PointsRule.locality_code, PointsRule.version, PointsRule.points).where(
                PointsRule.code == "HJ01"
            )
        ).all()
        assert sorted(versions) == [("500243000000", 1, 2), (VILLAGE, 1, 3)]


def test_a_settlement_is_exported_from_the_admin_as_csv_and_xlsx(site, travel):
    village = logged_in(site.app, "village")
    (product_id, _) = ids(site, PointsProduct)
    form = {"holder_person": str(site.people["张三"]), "product": str(product_id), "quantity": "2"}
    submit(village, "/admin/points_pointsredemption/new/", form)
    (redemption_id,) = ids(site, PointsRedemption)
    token = csrf_token(village, "/admin/")
    village.post(
        "/admin/points_pointsredemption/transition/",
        data={"csrf_token": token, "id": str(redemption_id), "transition": "fulfil"},
    )
    travel(dt.date(2026, 4, 2))
    town = logged_in(site.app, "town")
    merchant_id = ids(site, PointsMerchant)[0]
    response = submit(
        town,
        "/admin/points_pointssettlement/new/",
        {"merchant": str(merchant_id), "start": "2026-03-01", "end": "2026-03-31"},
    )
    assert response.status_code == 302, flashes(page(response))
    csv_response = town.get("/admin/points_pointssettlement/export/1.csv")
    assert csv_response.status_code == 200
    text = csv_response.get_data().decode("utf-8-sig")
    assert "城南爱心超市大米,袋,2,40,45.00,90.00" in text and "合计" in text
    xlsx = town.get("/admin/points_pointssettlement/export/1.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert ["合计", None, 2, 40, None, 90] in [[c.value for c in row] for row in sheet.iter_rows()]
    neighbour = logged_in(site.app, "neighbour")
    assert neighbour.get("/admin/points_pointssettlement/export/1.csv").status_code in (403, 404)


# --- API ------------------------------------------------------------------------------------


def api(site, username):
    client = site.app.test_client()
    return client, bearer(api_token(client, username))


def test_claims_through_the_api_name_the_field_at_fault(site):
    client, auth = api(site, "village")
    body = {
        "rule_code": "ZY01",
        "locality_code": VILLAGE,
        "activity": "巡河志愿服务",
        "occurred_on": "2026-03-09",
        "person_ids": [site.people["张三"]],
    }
    created = client.post("/api/v1/points/claims", json=body, headers=auth)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["state"] == "submitted"
    assert created.get_json()["rule_version"] == 1
    for change, field, message in [
        ({"rule_code": "XX99"}, "rule_code", "未知的积分规则代码：XX99"),
        ({"person_ids": [site.people["孙七"]]}, "person_ids", "孙七不在您的管辖范围内"),
        ({"person_ids": [2**31]}, "person_ids", "编号必须是"),
        ({"occurred_on": "2026-13-01"}, "occurred_on", ""),
        ({"activity": ""}, "activity", ""),
    ]:
        response = client.post("/api/v1/points/claims", json={**body, **change}, headers=auth)
        assert response.status_code == 422, change
        errors = response.get_json()["errors"]["json"]
        assert field in errors and message in str(errors[field]), errors
    assert len(ids(site, PointsClaim)) == 1
    claim_id = created.get_json()["id"]
    refused = client.post(
        f"/api/v1/points/claims/{claim_id}/transitions",
        json={"transition": "approve"},
        headers=auth,
    )
    assert refused.status_code == 422 and "权限" in str(refused.get_json())
    town, town_auth = api(site, "town")
    approved = town.post(
        f"/api/v1/points/claims/{claim_id}/transitions",
        json={"transition": "approve"},
        headers=town_auth,
    )
    assert approved.status_code == 200 and approved.get_json()["state"] == "notice"


def test_balances_ledgers_and_scope_through_the_api(site):
    client, auth = api(site, "village")
    listing = client.get(
        f"/api/v1/points/accounts?person_id={site.people['张三']}", headers=auth
    ).get_json()
    assert [(a["holder_name"], a["balance"], a["earned"]) for a in listing] == [("张三", 50, 50)]
    account_id = listing[0]["id"]
    movements = client.get(f"/api/v1/points/accounts/{account_id}/movements", headers=auth)
    assert [(m["amount"], m["kind"], m["memo"]) for m in movements.get_json()] == [
        (50, "award", "志愿服务")
    ]
    (other,) = ids(site, PointsAccount, kind="holder", locality_code=NEIGHBOUR)
    assert client.get(f"/api/v1/points/accounts/{other}", headers=auth).status_code == 404
    assert client.get("/api/v1/points/accounts", headers={}).status_code == 401


def test_redemptions_through_the_api_never_overspend(site):
    client, auth = api(site, "village")
    (product_id, neighbours_product) = ids(site, PointsProduct)
    body = {"person_id": site.people["张三"], "product_id": product_id, "quantity": 2}
    made = client.post("/api/v1/points/redemptions", json=body, headers=auth)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["points"] == 40 and made.get_json()["cost_amount"] == "90.00"
    again = client.post("/api/v1/points/redemptions", json=body, headers=auth)
    assert again.status_code == 422
    assert "积分余额不足：张三（余额 10 分，需扣 40 分）" in str(again.get_json())
    wrong = client.post("/api/v1/points/redemptions", json={**body, "quantity": 0}, headers=auth)
    assert wrong.status_code == 422 and "quantity" in wrong.get_json()["errors"]["json"]
    outsider = client.post(
        "/api/v1/points/redemptions",
        json={**body, "person_id": site.people["孙七"]},
        headers=auth,
    )
    assert outsider.status_code == 422 and "不在您的管辖范围内" in str(outsider.get_json())
    cancel = client.post(
        f"/api/v1/points/redemptions/{made.get_json()['id']}/transitions",
        json={"transition": "cancel", "reason": "换货"},
        headers=auth,
    )
    assert cancel.status_code == 200 and cancel.get_json()["state"] == "cancelled"
    del neighbours_product


def test_leaderboards_and_rules_through_the_api(site):
    client, auth = api(site, "town")
    board = client.get("/api/v1/points/leaderboards?period=2026", headers=auth).get_json()
    assert [(s["rank"], s["name"], s["points"]) for s in board] == [
        (1, "张三", 50),
        (1, "孙七", 50),
    ]
    village_board = client.get(
        f"/api/v1/points/leaderboards?period=all&locality_code={NEIGHBOUR}", headers=auth
    ).get_json()
    assert [s["name"] for s in village_board] == ["孙七"]
    bad = client.get("/api/v1/points/leaderboards?period=2026-3", headers=auth)
    assert bad.status_code == 422 and "period" in bad.get_json()["errors"]["json"]
    outside = client.get("/api/v1/points/leaderboards?locality_code=500243101001", headers=auth)
    assert outside.status_code == 422
    codes = [r["code"] for r in client.get("/api/v1/points/rules", headers=auth).get_json()]
    assert "CY01" in codes and "BL01" in codes
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/points/claims",
        "/api/v1/points/accounts/{account_id}/movements",
        "/api/v1/points/redemptions",
        "/api/v1/points/leaderboards",
        "/api/v1/points/transfers/{transfer_id}/reversal",
    ):
        assert path in spec["paths"], path


# --- portal ---------------------------------------------------------------------------------


def test_the_portal_shows_claims_under_notice_with_masked_names_and_the_catalogue(site):
    client, auth = api(site, "village")
    body = {
        "rule_code": "HJ01",
        "locality_code": VILLAGE,
        "activity": "河道清漂",
        "occurred_on": "2026-03-09",
        "person_ids": [site.people["张三"], site.people["李梅"]],
    }
    assert client.post("/api/v1/points/claims", json=body, headers=auth).status_code == 201
    text = page(site.app.test_client().get(f"/l/{VILLAGE}"))
    assert "积分公示：参加环境整治、垃圾分类" in text
    assert "张*、李*" in text and "李梅" not in text
    assert "公示至 2026-03-12" in text
    assert "2026 年积分排行" in text and "张*" in text
    assert "爱心超市" in text and "城南爱心超市大米" in text and "长滩便民店" in text
    with site.runtime.db.new_session() as session:
        from core.models import Person

        number = session.get(Person, site.people["张三"]).id_number
    assert number not in text and number[-4:] + "<" not in text


def test_the_portal_shows_full_names_when_the_county_says_so(make_county, travel):
    county = make_county({"resident_holder": "person", "portal_names": "full"})
    travel(TODAY)
    with county.runtime.db.transaction() as session:
        fund(session, county.people["张三"], 5)
    text = page(make_app(county.runtime).test_client().get(f"/l/{VILLAGE}"))
    assert "张三" in text


def test_a_residents_admin_page_shows_their_balances(site):
    village = logged_in(site.app, "village")
    text = page(village.get(f"/admin/person/details/?id={site.people['张三']}"))
    assert "积分制" in text and "村民积分余额" in text and "50 分" in text


def test_merchants_products_dividends_and_yearly_boards_are_made_in_the_admin(site):
    village = logged_in(site.app, "village")
    response = submit(
        village,
        "/admin/points_pointsmerchant/new/",
        {
            "name": "城南第二爱心超市",
            "locality": VILLAGE,
            "contract_active": "y",
            "contract_start": "2026-01-01",
            "contract_end": "2026-12-31",
        },
    )
    assert response.status_code == 302, flashes(page(response))
    merchant_id = ids(site, PointsMerchant)[-1]
    response = submit(
        village,
        "/admin/points_pointsproduct/new/",
        {
            "merchant": str(merchant_id),
            "name": "毛巾",
            "unit": "条",
            "points_price": "15",
            "cost_price": "6.5",
            "active": "y",
            "restock": "30",
        },
    )
    assert response.status_code == 302, flashes(page(response))
    with site.runtime.db.new_session() as session:
        towel = session.scalar(select(PointsProduct).where(PointsProduct.name == "毛巾"))
        assert (towel.stock, towel.cost_price, towel.locality_code) == (
            30,
            Decimal("6.50"),
            VILLAGE,
        )
    response = submit(
        village,
        "/admin/points_pointsdividend/new/",
        {"locality": VILLAGE, "period_text": "2026", "pool_amount": "300.00", "note": "试分红"},
    )
    assert response.status_code == 302, flashes(page(response))
    csv_text = (
        village.get("/admin/points_pointsdividend/export/1.csv").get_data().decode("utf-8-sig")
    )
    assert "张三,城南社区,50,300.00" in csv_text
    response = submit(
        village,
        "/admin/points_pointsrankingsnapshot/new/",
        {"locality": VILLAGE, "scheme_choice": "resident", "year": "2026"},
    )
    assert response.status_code == 302, flashes(page(response))
    details = page(village.get("/admin/points_pointsrankingsnapshot/details/?id=1"))
    assert "第 1 名" in details and "张三 · 50 分" in details and "公布（冻结）" in details
    response = submit(
        village,
        "/admin/points_pointsrankingsnapshot/new/",
        {"locality": NEIGHBOUR, "scheme_choice": "resident", "year": "2026"},
    )
    assert response.status_code == 200  # the neighbour is not among the offered localities
    with site.runtime.db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(PointsRankingSnapshot)) == 1


def test_a_transfer_is_corrected_through_the_api_once_and_only_by_the_town(site):
    from plugins.points.models import PointsTransfer

    (first,) = ids(site, PointsTransfer, locality_code=VILLAGE)
    village, village_auth = api(site, "village")
    refused = village.post(
        f"/api/v1/points/transfers/{first}/reversal",
        json={"reason": "录入错误"},
        headers=village_auth,
    )
    assert refused.status_code == 403
    town, auth = api(site, "town")
    missing = town.post(f"/api/v1/points/transfers/{first}/reversal", json={}, headers=auth)
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]["json"]
    done = town.post(
        f"/api/v1/points/transfers/{first}/reversal", json={"reason": "录入错误"}, headers=auth
    )
    assert done.status_code == 201
    assert sorted(m["amount"] for m in done.get_json()) == [-50, 50]
    again = town.post(
        f"/api/v1/points/transfers/{first}/reversal", json={"reason": "再冲一次"}, headers=auth
    )
    assert again.status_code == 422 and "已于第" in str(again.get_json())
    balance = town.get(
        f"/api/v1/points/accounts?person_id={site.people['张三']}", headers=auth
    ).get_json()[0]
    assert (balance["balance"], balance["earned"]) == (0, 0)
