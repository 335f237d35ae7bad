"""Every API endpoint, including each enabled plugin's, refuses anonymous callers and keeps a
village account inside its village. New plugins' endpoints are covered without new tests."""

from __future__ import annotations

import random
import re

import pytest
from helpers import api_token, bearer

from core.localities import is_within
from core.models import Locality
from core.testing import COUNTY, add_account, add_person, seed_tree
from hostapp import create_app

VILLAGE = "500243001001"
ALL_PLUGINS = ["points", "assistance", "supervision", "consultation", "example", "compact"]


@pytest.fixture
def app(make_runtime):
    runtime = make_runtime(ALL_PLUGINS)
    with runtime.db.transaction() as session:
        seed_tree(session)
        add_account(session, "county", COUNTY[0], ["county_admin"])
        add_account(session, "village", VILLAGE, ["village_admin"])
        add_person(session, "张三", VILLAGE, 11)
        add_person(session, "李四", "500243001002", 13)
        root = session.get(Locality, COUNTY[0])
        runtime.plugins.hook.register_demo_data(session=session, root=root, rng=random.Random(7))
    return create_app(runtime)


def _api_rules(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        if rule.endpoint.startswith("tokens."):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _concrete(rule) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)


def test_every_api_endpoint_refuses_an_anonymous_caller_with_401(app):
    client = app.test_client()
    checked = 0
    for rule, method in _api_rules(app):
        response = client.open(_concrete(rule), method=method, json={})
        assert response.status_code == 401, f"{method} {rule.rule} → {response.status_code}"
        assert response.get_json()["message"], f"{method} {rule.rule} has no message"
        checked += 1
    assert checked >= 8


def test_every_api_list_shows_a_village_account_only_its_own_village(app):
    client = app.test_client()
    token = api_token(client, "village")
    lists = [rule for rule, method in _api_rules(app) if method == "GET" and "<" not in rule.rule]
    assert lists
    for rule in lists:
        response = client.get(rule.rule, headers=bearer(token))
        assert response.status_code in (200, 403), f"GET {rule.rule} → {response.status_code}"
        if response.status_code != 200:
            continue
        body = response.get_json()
        items = body if isinstance(body, list) else body.get("items", [])
        for item in items:
            code = item.get("locality_code") if isinstance(item, dict) else None
            if code is not None:
                assert is_within(code, VILLAGE), f"GET {rule.rule} leaked {code}"


def test_every_api_item_hides_a_neighbouring_villages_record_from_a_village_account(app):
    client = app.test_client()
    county = bearer(api_token(client, "county"))
    village = bearer(api_token(client, "village"))
    items = [
        rule
        for rule, method in _api_rules(app)
        if method == "GET" and re.search(r"<int:\w+>$", rule.rule)
    ]
    assert items
    hidden = 0
    for rule in items:
        for ident in range(1, 31):
            url = re.sub(r"<int:\w+>$", str(ident), rule.rule)
            seen = client.get(url, headers=county)
            if seen.status_code != 200:
                continue
            code = (seen.get_json() or {}).get("locality_code")
            if code is None or is_within(code, VILLAGE):
                continue
            response = client.get(url, headers=village)
            assert response.status_code == 404, f"GET {url} → {response.status_code} for {code}"
            hidden += 1
    assert hidden >= 1
