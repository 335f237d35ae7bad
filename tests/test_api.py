"""The REST API as programs use it: bearer tokens, scoped resources, masked identity numbers,
validation errors naming the field in Chinese, events and audit entries for every write."""

from __future__ import annotations

import datetime as dt
import json
import re
import types

import pytest
from helpers import api_token, bearer, make_app
from sqlalchemy import func, select

from core.identity import make_id_number
from core.models import Account, ApiToken, AuditEntry, EventRecord, Household, Person
from core.testing import COUNTY, PASSWORD, add_account, add_person, seed_tree

VILLAGE = "500243001001"  # 城南社区
NEIGHBOUR = "500243001002"  # 长滩村
TOWN = "500243001000"  # 汉葭街道
OTHER_TOWN_VILLAGE = "500243101001"  # 中心村


def id_number(sequence: int, born: dt.date = dt.date(1990, 2, 3)) -> str:
    return make_id_number("500243", born, sequence)


def masked(number: str) -> str:
    return number[:6] + "********" + number[-4:]


def build(runtime, with_people: bool = True):
    """The app for ``runtime`` (seeded with the tree and accounts), residents in three villages."""
    ids = types.SimpleNamespace()
    numbers = types.SimpleNamespace()
    if with_people:
        with runtime.db.transaction() as session:
            for key, name, code, sequence in [
                ("own", "张三", VILLAGE, 11),
                ("neighbour", "李四", NEIGHBOUR, 13),
                ("far", "王五", OTHER_TOWN_VILLAGE, 15),
            ]:
                person = add_person(session, name, code, sequence)
                setattr(ids, key, person.id)
                setattr(numbers, key, person.id_number)
    app = make_app(runtime)
    return types.SimpleNamespace(
        runtime=runtime, app=app, client=app.test_client(), ids=ids, numbers=numbers
    )


@pytest.fixture
def api(seeded):
    """No plugins; accounts ``county``, ``town``, ``village`` and ``neighbour``."""
    return build(seeded)


@pytest.fixture
def example_api(make_runtime):
    """The example plugin (意见箱) enabled; accounts as in :func:`api`."""
    runtime = make_runtime(["example"])
    with runtime.db.transaction() as session:
        seed_tree(session)
        add_account(session, "county", COUNTY[0], ["county_admin"])
        add_account(session, "town", TOWN, ["town_admin"])
        add_account(session, "village", VILLAGE, ["village_admin"])
    return build(runtime)


def headers_for(api, username: str) -> dict[str, str]:
    return bearer(api_token(api.client, username))


def count(runtime, model, *where) -> int:
    with runtime.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def new_person(sequence: int, locality_code: str = VILLAGE, **fields):
    return {
        "name": "赵六",
        "id_number": id_number(sequence),
        "locality_code": locality_code,
        **fields,
    }


def field_errors(response) -> dict:
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert body["message"] == "内容有误"
    return body["errors"]["json"]


def has_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


# --- tokens -----------------------------------------------------------------------------------


def test_a_right_password_gets_a_bearer_token_that_opens_the_api(api):
    response = api.client.post(
        "/api/v1/tokens", json={"username": "village", "password": PASSWORD, "label": "脚本"}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["token"]) >= 32
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert dt.timedelta(days=29) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=30)
    assert api.client.get("/api/v1/persons", headers=bearer(body["token"])).status_code == 200
    with api.runtime.db.transaction() as session:
        row = session.scalars(select(ApiToken)).one()
        assert body["token"] not in row.token_hash, "only a hash of the token is kept"
        assert row.label == "脚本"


def test_a_wrong_password_gets_401_with_a_chinese_message(api):
    for username in ("village", "nobody"):
        response = api.client.post(
            "/api/v1/tokens", json={"username": username, "password": "wrong-password"}
        )
        assert response.status_code == 401
        assert response.get_json()["message"] == "用户名或密码错误"


def test_the_token_endpoint_needs_no_csrf_token_but_a_complete_login(api):
    response = api.client.post("/api/v1/tokens", json={"username": "village"})
    assert "password" in field_errors(response)


def test_a_revoked_or_expired_token_or_a_deactivated_account_is_refused(api):
    tokens = {name: api_token(api.client, name) for name in ("village", "neighbour", "town")}
    with api.runtime.db.transaction() as session:
        rows = {row.account.username: row for row in session.scalars(select(ApiToken))}
        rows["village"].revoked = True
        rows["neighbour"].expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.scalars(select(Account).where(Account.username == "town")).one().is_active = False
    for name, token in tokens.items():
        response = api.client.get("/api/v1/persons", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.get_json()["message"] == "令牌无效或已过期"


def test_a_made_up_token_is_refused(api):
    response = api.client.get("/api/v1/persons", headers=bearer("not-a-real-token"))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_nul_character_in_the_login_name_is_refused_not_a_server_error(api):
    response = api.client.post(
        "/api/v1/tokens", json={"username": "vil\x00lage", "password": PASSWORD}
    )
    assert response.status_code in (401, 422)


def test_a_nul_character_in_the_token_label_is_refused_not_a_server_error(api):
    response = api.client.post(
        "/api/v1/tokens", json={"username": "village", "password": PASSWORD, "label": "a\x00b"}
    )
    assert response.status_code in (201, 422)


# --- authentication on every endpoint ----------------------------------------------------------


def api_endpoints(app):
    """(method, url) of every authenticated API endpoint, path parameters filled in."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith(("tokens.", "api-")):
            continue
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


def test_every_api_endpoint_answers_401_json_without_a_token(example_api):
    endpoints = list(api_endpoints(example_api.app))
    assert ("GET", "/api/v1/persons") in endpoints
    assert ("GET", "/api/v1/example/suggestions") in endpoints
    for method, url in endpoints:
        for headers in ({}, {"Authorization": "Basic dmlsbGFnZTp4"}, {"Authorization": "Bearer "}):
            response = example_api.client.open(url, method=method, json={}, headers=headers)
            assert response.status_code == 401, (method, url, headers)
            assert response.is_json, (method, url)
            assert has_chinese(response.get_json()["message"])
    assert count(example_api.runtime, Person) == 3


# --- residents -------------------------------------------------------------------------------


def test_a_village_admin_lists_only_its_own_residents_with_masked_identity_numbers(api):
    response = api.client.get("/api/v1/persons", headers=headers_for(api, "village"))
    assert response.status_code == 200
    body = response.get_json()
    assert [p["name"] for p in body] == ["张三"]
    assert body[0]["id_number"] == masked(api.numbers.own)
    assert json.loads(response.headers["X-Pagination"])["total"] == 1


def test_a_town_admin_lists_its_villages_and_the_county_admin_sees_full_numbers(api):
    town = api.client.get("/api/v1/persons", headers=headers_for(api, "town")).get_json()
    assert [p["name"] for p in town] == ["张三", "李四"]
    assert all("*" in p["id_number"] for p in town)
    county = api.client.get("/api/v1/persons", headers=headers_for(api, "county")).get_json()
    assert {p["name"]: p["id_number"] for p in county} == {
        "张三": api.numbers.own,
        "李四": api.numbers.neighbour,
        "王五": api.numbers.far,
    }


def test_a_village_admin_gets_404_for_a_neighbouring_villages_resident(api):
    headers = headers_for(api, "village")
    response = api.client.get(f"/api/v1/persons/{api.ids.neighbour}", headers=headers)
    assert response.status_code == 404
    assert response.get_json()["message"] == "记录不存在，或不在您的管辖范围内"
    assert "李四" not in response.get_data(as_text=True)
    response = api.client.patch(
        f"/api/v1/persons/{api.ids.neighbour}", headers=headers, json={"name": "改名"}
    )
    assert response.status_code == 404
    assert count(api.runtime, Person, Person.name == "李四") == 1
    own = api.client.get(f"/api/v1/persons/{api.ids.own}", headers=headers)
    assert own.status_code == 200 and own.get_json()["name"] == "张三"


def test_filtering_residents_by_locality_or_name_stays_within_scope(api):
    headers = headers_for(api, "town")
    by_place = api.client.get(f"/api/v1/persons?locality_code={NEIGHBOUR}", headers=headers)
    assert [p["name"] for p in by_place.get_json()] == ["李四"]
    outside = api.client.get(f"/api/v1/persons?locality_code={OTHER_TOWN_VILLAGE}", headers=headers)
    assert outside.get_json() == []
    by_name = api.client.get("/api/v1/persons?name=王", headers=headers)
    assert by_name.get_json() == []
    bad = api.client.get("/api/v1/persons?locality_code=12345", headers=headers)
    assert bad.status_code == 422
    assert "locality_code" in bad.get_json()["errors"]["query"]


def test_residents_are_paginated_with_an_x_pagination_header(api):
    with api.runtime.db.transaction() as session:
        for sequence in range(21, 26):
            add_person(session, f"居民{sequence}", VILLAGE, sequence)
    headers = headers_for(api, "village")
    response = api.client.get("/api/v1/persons?page=2&page_size=4", headers=headers)
    assert response.status_code == 200
    assert len(response.get_json()) == 2
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == 6
    assert pagination["page"] == 2 and pagination["total_pages"] == 2
    too_big = api.client.get("/api/v1/persons?page_size=1000", headers=headers)
    assert too_big.status_code == 422


def test_registering_a_resident_stores_an_event_and_an_api_audit_entry(api):
    response = api.client.post(
        "/api/v1/persons",
        headers=headers_for(api, "village"),
        json=new_person(31, phone="13800138000", relation="户主", tags=["党员", "退役军人"]),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["name"] == "赵六"
    assert body["id_number"] == masked(id_number(31))
    assert body["sex"] == "male" and body["birth_date"] == "1990-02-03"
    assert body["phone"] == "138****8000"
    assert body["tags"] == ["党员", "退役军人"]
    with api.runtime.db.transaction() as session:
        event = session.scalars(select(EventRecord)).one()
        assert event.name == "core.person_registered"
        assert event.payload["person_id"] == body["id"]
        assert event.locality_code == VILLAGE
        assert event.actor == "account:village"
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "core_person", AuditEntry.record_id == str(body["id"])
            )
        ).one()
        assert (entry.action, entry.actor, entry.channel) == ("create", "account:village", "api")
        assert entry.after["id_number"] == "***"
        assert entry.after["phone"] == "***"


def test_a_registration_is_greeted_by_the_example_plugin_in_the_same_transaction(example_api):
    from gongzhi_example.models import Greeting

    response = example_api.client.post(
        "/api/v1/persons", headers=headers_for(example_api, "village"), json=new_person(33)
    )
    assert response.status_code == 201
    person_id = response.get_json()["id"]
    with example_api.runtime.db.transaction() as session:
        greeting = session.scalars(select(Greeting)).one()
        assert (greeting.person_id, greeting.locality_code) == (person_id, VILLAGE)
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "example_greeting")
        ).one()
        assert (entry.actor, entry.channel) == ("account:village", "api")


def test_a_failing_reaction_rolls_the_registration_back(example_api, monkeypatch):
    import gongzhi_example.plugin

    def broken(**_):
        raise RuntimeError("greeting service down")

    monkeypatch.setattr(gongzhi_example.plugin, "Greeting", broken)
    response = example_api.client.post(
        "/api/v1/persons", headers=headers_for(example_api, "village"), json=new_person(35)
    )
    assert response.status_code == 500
    assert response.get_json()["message"] == "服务器内部错误"
    assert count(example_api.runtime, Person) == 3
    assert count(example_api.runtime, EventRecord) == 0


def test_a_bad_identity_number_is_refused_naming_the_field_in_chinese(api):
    headers = headers_for(api, "village")
    wrong_check_digit = id_number(37)[:-1] + ("1" if id_number(37)[-1] != "1" else "2")
    for bad in (wrong_check_digit, "50024319900203", "5002431990020300AB"):
        response = api.client.post(
            "/api/v1/persons", headers=headers, json=new_person(37, id_number=bad)
        )
        errors = field_errors(response)
        assert list(errors) == ["id_number"], bad
        assert has_chinese(errors["id_number"][0]), errors
    assert count(api.runtime, Person) == 3


def test_a_locality_outside_the_scope_is_refused_naming_the_field(api):
    headers = headers_for(api, "village")
    for code in (NEIGHBOUR, OTHER_TOWN_VILLAGE, "110101001001"):
        response = api.client.post("/api/v1/persons", headers=headers, json=new_person(39, code))
        assert field_errors(response) == {"locality_code": ["不在您的管辖范围内"]}, code
    response = api.client.post("/api/v1/persons", headers=headers, json=new_person(39, "5002"))
    assert "locality_code" in field_errors(response)
    assert count(api.runtime, Person) == 3
    assert count(api.runtime, EventRecord) == 0


def test_an_unknown_locality_inside_the_scope_is_refused(api):
    response = api.client.post(
        "/api/v1/persons", headers=headers_for(api, "town"), json=new_person(41, "500243001009")
    )
    assert field_errors(response) == {"locality_code": ["行政区划不存在"]}


def test_an_identity_number_registered_anywhere_in_the_county_is_refused(api):
    headers = headers_for(api, "village")
    response = api.client.post(
        "/api/v1/persons", headers=headers, json=new_person(43, id_number=api.numbers.far)
    )
    assert field_errors(response) == {"id_number": ["该身份证号已登记"]}
    assert count(api.runtime, Person) == 3


def test_an_identity_number_registered_with_a_capital_x_is_a_duplicate_in_lowercase_too(api):
    born = dt.date(1985, 3, 4)
    sequence = next(s for s in range(1, 1000) if id_number(s, born).endswith("X"))
    with api.runtime.db.transaction() as session:
        add_person(session, "陈七", VILLAGE, sequence, born=born)
    response = api.client.post(
        "/api/v1/persons",
        headers=headers_for(api, "village"),
        json=new_person(0, id_number=id_number(sequence, born).lower()),
    )
    assert field_errors(response) == {"id_number": ["该身份证号已登记"]}


def test_a_nul_character_anywhere_in_a_resident_is_refused(api):
    headers = headers_for(api, "village")
    for field, value in [
        ("name", "赵\x00六"),
        ("id_number", id_number(45)[:10] + "\x00" + id_number(45)[11:]),
        ("relation", "户\x00主"),
        ("note", "\x00"),
        ("locality_code", VILLAGE[:-1] + "\x00"),
    ]:
        response = api.client.post(
            "/api/v1/persons", headers=headers, json=new_person(45, **{field: value})
        )
        assert field in field_errors(response), field
    response = api.client.post(
        "/api/v1/persons", headers=headers, json=new_person(45, tags=["党\x00员"])
    )
    assert "tags" in field_errors(response)
    assert count(api.runtime, Person) == 3


def test_bad_json_and_unknown_fields_are_refused(api):
    headers = headers_for(api, "village")
    response = api.client.post(
        "/api/v1/persons", headers={**headers, "Content-Type": "application/json"}, data="{"
    )
    assert response.status_code in (400, 422)
    assert response.is_json
    response = api.client.post("/api/v1/persons", headers=headers, json=new_person(47, sex="x"))
    assert "sex" in field_errors(response)
    response = api.client.post("/api/v1/persons", headers=headers, json=["not", "an", "object"])
    assert response.status_code == 422


def test_an_unknown_field_in_a_payload_is_called_a_field_not_a_setting(api):
    response = api.client.post(
        "/api/v1/persons", headers=headers_for(api, "village"), json=new_person(49, colour="红")
    )
    message = field_errors(response)["colour"][0]
    assert "设置" not in message


def test_patching_a_resident_changes_only_the_given_fields_and_is_audited(api):
    headers = headers_for(api, "village")
    response = api.client.patch(
        f"/api/v1/persons/{api.ids.own}",
        headers=headers,
        json={"phone": "13900139000", "tags": ["党员"]},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["name"] == "张三"
    assert body["phone"] == "139****9000"
    assert body["tags"] == ["党员"]
    assert body["id_number"] == masked(api.numbers.own)
    with api.runtime.db.transaction() as session:
        updates = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == "core_person", AuditEntry.action == "update")
            .order_by(AuditEntry.id)
        ).all()
        assert updates
        assert {(e.actor, e.channel, e.record_id) for e in updates} == {
            ("account:village", "api", str(api.ids.own))
        }
        assert updates[0].before["phone"] is None and updates[-1].after["phone"] == "***"


def test_patching_refuses_bad_values_and_moves_out_of_scope(api):
    headers = headers_for(api, "village")
    url = f"/api/v1/persons/{api.ids.own}"
    assert "phone" in field_errors(api.client.patch(url, headers=headers, json={"phone": "123"}))
    response = api.client.patch(url, headers=headers, json={"locality_code": NEIGHBOUR})
    assert field_errors(response) == {"locality_code": ["不在您的管辖范围内"]}
    response = api.client.patch(url, headers=headers, json={"id_number": api.numbers.neighbour})
    assert field_errors(response) == {"id_number": ["该身份证号已登记"]}
    response = api.client.patch(url, headers=headers, json={"name": ""})
    assert "name" in field_errors(response)
    with api.runtime.db.transaction() as session:
        person = session.get(Person, api.ids.own)
        assert (person.name, person.locality_code, person.phone) == ("张三", VILLAGE, None)


def test_patching_a_taken_identity_number_together_with_tags_is_a_422(api):
    response = api.client.patch(
        f"/api/v1/persons/{api.ids.own}",
        headers=headers_for(api, "village"),
        json={"id_number": api.numbers.neighbour, "tags": ["党员"]},
    )
    assert field_errors(response) == {"id_number": ["该身份证号已登记"]}


# --- households ------------------------------------------------------------------------------


def test_households_are_listed_created_and_fetched_within_scope(api):
    with api.runtime.db.transaction() as session:
        session.add(Household(number="N-1", locality_code=NEIGHBOUR))
    headers = headers_for(api, "village")
    response = api.client.post(
        "/api/v1/households",
        headers=headers,
        json={"number": "H-001", "locality_code": VILLAGE, "address": "幸福路 1 号"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    household = response.get_json()
    assert household["member_ids"] == []

    response = api.client.post(
        "/api/v1/persons", headers=headers, json=new_person(51, household_id=household["id"])
    )
    assert response.status_code == 201
    person_id = response.get_json()["id"]

    listed = api.client.get("/api/v1/households", headers=headers)
    assert [h["number"] for h in listed.get_json()] == ["H-001"]
    assert "X-Pagination" in listed.headers
    one = api.client.get(f"/api/v1/households/{household['id']}", headers=headers).get_json()
    assert one["member_ids"] == [person_id]
    with api.runtime.db.transaction() as session:
        other = session.scalars(select(Household).where(Household.number == "N-1")).one().id
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "core_household")
        ).all()
        assert [(e.actor, e.channel) for e in entry if e.action == "create"][-1] == (
            "account:village",
            "api",
        )
    assert api.client.get(f"/api/v1/households/{other}", headers=headers).status_code == 404
    response = api.client.post(
        "/api/v1/persons", headers=headers, json=new_person(53, household_id=other)
    )
    assert "household_id" in field_errors(response)


def test_a_household_outside_the_scope_or_with_a_taken_number_is_refused(api):
    headers = headers_for(api, "village")
    response = api.client.post(
        "/api/v1/households", headers=headers, json={"number": "H-1", "locality_code": NEIGHBOUR}
    )
    assert field_errors(response) == {"locality_code": ["不在您的管辖范围内"]}
    body = {"number": "H-1", "locality_code": VILLAGE}
    assert api.client.post("/api/v1/households", headers=headers, json=body).status_code == 201
    response = api.client.post("/api/v1/households", headers=headers, json=body)
    assert field_errors(response) == {"number": ["该户号已存在"]}
    response = api.client.post(
        "/api/v1/households", headers=headers, json={"number": "H\x002", "locality_code": VILLAGE}
    )
    assert "number" in field_errors(response)
    assert count(api.runtime, Household) == 1


# --- localities ------------------------------------------------------------------------------


def test_localities_are_listed_within_scope_and_filtered_by_parent(api):
    town = headers_for(api, "town")
    response = api.client.get("/api/v1/localities", headers=town)
    assert [c["code"] for c in response.get_json()] == [TOWN, VILLAGE, NEIGHBOUR]
    children = api.client.get(f"/api/v1/localities?parent_code={TOWN}", headers=town).get_json()
    assert [(c["code"], c["name"], c["level"]) for c in children] == [
        (VILLAGE, "城南社区", "village"),
        (NEIGHBOUR, "长滩村", "village"),
    ]
    assert children[0]["level_label"] == "村（社区）"
    assert children[0]["parent_code"] == TOWN

    county = headers_for(api, "county")
    towns = api.client.get(f"/api/v1/localities?parent_code={COUNTY[0]}", headers=county)
    assert [c["name"] for c in towns.get_json()] == ["汉葭街道", "保家镇"]
    villages = api.client.get("/api/v1/localities?level=village", headers=county).get_json()
    assert len(villages) == 4
    bad = api.client.get("/api/v1/localities?parent_code=abc", headers=county)
    assert "parent_code" in bad.get_json()["errors"]["query"]


def test_a_locality_outside_the_scope_is_not_found(api):
    village = headers_for(api, "village")
    assert api.client.get(f"/api/v1/localities/{VILLAGE}", headers=village).status_code == 200
    for code in (NEIGHBOUR, TOWN, COUNTY[0], "abc"):
        assert api.client.get(f"/api/v1/localities/{code}", headers=village).status_code == 404


def test_a_nul_character_in_a_locality_code_in_the_path_is_refused(api):
    response = api.client.get("/api/v1/localities/%00", headers=headers_for(api, "village"))
    assert response.status_code == 400
    assert "空字符" in response.get_json()["message"]


# --- the example plugin's endpoint -------------------------------------------------------------


def test_a_plugins_endpoint_is_scoped_like_the_core_ones(example_api):
    from gongzhi_example.models import Suggestion

    with example_api.runtime.db.transaction() as session:
        session.add(Suggestion(title="修路灯", body="…", locality_code=VILLAGE))
        session.add(Suggestion(title="清垃圾", body="…", locality_code=OTHER_TOWN_VILLAGE))
    village = example_api.client.get(
        "/api/v1/example/suggestions", headers=headers_for(example_api, "village")
    )
    assert [s["title"] for s in village.get_json()] == ["修路灯"]
    county = example_api.client.get(
        "/api/v1/example/suggestions", headers=headers_for(example_api, "county")
    )
    assert len(county.get_json()) == 2


# --- the API as a whole ----------------------------------------------------------------------


def test_the_openapi_document_lists_core_and_plugin_paths(example_api):
    response = example_api.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.get_data(as_text=True))
    assert spec["openapi"].startswith("3.")
    paths = set(spec["paths"])
    assert {
        "/api/v1/tokens",
        "/api/v1/persons",
        "/api/v1/persons/{person_id}",
        "/api/v1/households",
        "/api/v1/households/{household_id}",
        "/api/v1/localities",
        "/api/v1/localities/{code}",
        "/api/v1/example/suggestions",
    } <= paths
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_a_wrong_method_answers_405_with_an_allow_header(api):
    headers = headers_for(api, "village")
    response = api.client.delete("/api/v1/persons", headers=headers)
    assert response.status_code == 405
    assert response.is_json
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    response = api.client.put(f"/api/v1/persons/{api.ids.own}", headers=headers, json={})
    assert response.status_code == 405
    assert "PATCH" in response.headers["Allow"]
    response = api.client.get("/api/v1/tokens")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_an_unknown_api_path_answers_404_json(api):
    response = api.client.get("/api/v1/nothing-here", headers=headers_for(api, "village"))
    assert response.status_code == 404
    assert response.is_json
    assert has_chinese(response.get_json()["message"])


def test_two_apps_can_be_built_side_by_side_in_one_process(make_runtime):
    first_runtime = make_runtime()
    with first_runtime.db.transaction() as session:
        seed_tree(session)
        add_account(session, "village", VILLAGE, ["village_admin"])
        add_person(session, "张三", VILLAGE, 11)
    first = make_app(first_runtime)
    second = make_app(first_runtime)
    for app in (first, second):
        client = app.test_client()
        token = api_token(client, "village")
        response = client.get("/api/v1/persons", headers=bearer(token))
        assert [p["name"] for p in response.get_json()] == ["张三"]


def test_healthz_reports_ok_with_the_enabled_plugins(example_api):
    response = example_api.client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "plugins": ["example"]}


def test_healthz_lists_no_plugins_when_none_are_enabled(api):
    assert api.client.get("/healthz").get_json()["plugins"] == []
