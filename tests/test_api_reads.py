"""Reading the API cheaply without changing what it answers or whom it refuses.

The resident list reads plain rows, the token check reads the token and its account in one
statement, permission sets are resolved once per combination of roles, and the app builds its URL
rules' builders only when a URL is first built. Each of these must leave the answers exactly as
they were: these tests say so in the API's own terms.
"""

from __future__ import annotations

import datetime as dt
import gc

import pytest
from helpers import api_token, bearer, make_app
from sqlalchemy import event, select
from werkzeug.routing import Map, Rule

from core.gc_pause import collector_paused
from core.models import Account, ApiToken, Household, Person, Tag
from core.testing import add_person
from hostapp.app import LazyBuilderRule

VILLAGE = "500243001001"  # 城南社区
NEIGHBOUR = "500243001002"  # 长滩村
TOWN = "500243001000"  # 汉葭街道


@pytest.fixture
def town(seeded):
    """The seeded deployment with five residents of 城南社区 and one of 长滩村, some tagged, one
    in a household with a phone and a relation."""
    with seeded.db.transaction() as session:
        poor = Tag(name="低保户")
        member = Tag(name="党员")
        elderly = Tag(name="高龄老人")
        household = Household(number="HJ-0001", locality_code=VILLAGE, address="城南社区 1 号")
        session.add(household)
        people = [add_person(session, f"居民{i}", VILLAGE, 20 + i) for i in range(5)]
        people.append(add_person(session, "邻村居民", NEIGHBOUR, 40))
        people[0].tags = [poor, member, elderly]
        people[1].tags = [elderly]
        people[2].household = household
        people[2].phone = "13800138000"
        people[2].relation = "户主"
        people[5].tags = [member]
    return seeded


def listed(client, headers, **query):
    response = client.get("/api/v1/persons", headers=headers, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize("who", ["town", "county", "village"])
def test_a_resident_in_the_list_is_shown_exactly_as_on_their_own_page(town, who):
    app = make_app(town)
    client = app.test_client()
    headers = bearer(api_token(client, who))
    residents = listed(client, headers, page_size=100)
    assert residents, "the account sees residents"
    for resident in residents:
        own_page = client.get(f"/api/v1/persons/{resident['id']}", headers=headers)
        assert own_page.status_code == 200
        assert resident == own_page.get_json()


def test_the_list_shows_tags_in_name_order_and_masks_identity_numbers_for_a_town(town):
    client = make_app(town).test_client()
    residents = listed(client, bearer(api_token(client, "town")))
    first = next(r for r in residents if r["name"] == "居民0")
    assert first["tags"] == sorted(["低保户", "党员", "高龄老人"])
    assert "*" in first["id_number"]
    with_household = next(r for r in residents if r["name"] == "居民2")
    assert with_household["relation"] == "户主"
    assert with_household["household_id"] is not None
    assert with_household["phone"] != "13800138000"  # masked too
    assert next(r for r in residents if r["name"] == "居民3")["tags"] == []


def test_a_village_lists_only_its_own_residents_page_by_page(town):
    client = make_app(town).test_client()
    headers = bearer(api_token(client, "village"))
    response = client.get("/api/v1/persons?page=2&page_size=2", headers=headers)
    pagination = response.headers["X-Pagination"]
    assert '"total": 5' in pagination
    second_page = response.get_json()
    assert [r["name"] for r in second_page] == ["居民2", "居民3"]
    assert listed(client, headers, page=4, page_size=2) == []
    everyone = listed(client, headers, page_size=100)
    assert {r["locality_code"] for r in everyone} == {VILLAGE}
    assert [r["name"] for r in listed(client, headers, name="居民4")] == ["居民4"]


def test_listing_residents_costs_the_same_statements_for_a_page_of_two_or_of_fifty(town):
    app = make_app(town)
    client = app.test_client()
    headers = bearer(api_token(client, "town"))
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = town.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        listed(client, headers, page_size=2)
        small = len(statements)
        statements.clear()
        listed(client, headers, page_size=50)
        large = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert small == large
    assert large <= 4  # the token with its account, the count, the page, the page's tags


def test_a_token_revoked_while_in_use_is_refused_on_the_next_request(town):
    client = make_app(town).test_client()
    headers = bearer(api_token(client, "village"))
    assert client.get("/api/v1/persons", headers=headers).status_code == 200
    with town.db.transaction() as session:
        for row in session.scalars(select(ApiToken)):
            row.revoked = True
    response = client.get("/api/v1/persons", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["message"] == "令牌无效或已过期"


def test_a_token_that_expires_while_in_use_is_refused_on_the_next_request(town):
    client = make_app(town).test_client()
    headers = bearer(api_token(client, "village"))
    assert client.get("/api/v1/persons", headers=headers).status_code == 200
    with town.db.transaction() as session:
        for row in session.scalars(select(ApiToken)):
            row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert client.get("/api/v1/persons", headers=headers).status_code == 401


def test_an_account_deactivated_while_its_token_is_in_use_is_refused_on_the_next_request(town):
    client = make_app(town).test_client()
    headers = bearer(api_token(client, "town"))
    assert client.get("/api/v1/persons", headers=headers).status_code == 200
    with town.db.transaction() as session:
        session.scalars(select(Account).where(Account.username == "town")).one().is_active = False
    assert client.get("/api/v1/persons", headers=headers).status_code == 401


def test_new_roles_take_effect_on_the_next_request_with_the_same_token(town):
    client = make_app(town).test_client()
    headers = bearer(api_token(client, "town"))
    assert "*" in listed(client, headers)[0]["id_number"]
    with town.db.transaction() as session:
        account = session.scalars(select(Account).where(Account.username == "town")).one()
        account.roles = ["town_admin", "county_admin"]  # may now see full identity numbers
    full = listed(client, headers)[0]["id_number"]
    assert "*" not in full
    with town.db.transaction() as session:
        assert session.scalar(select(Person.id).where(Person.id_number == full)) is not None
        account = session.scalars(select(Account).where(Account.username == "town")).one()
        account.roles = ["town_admin"]
    assert "*" in listed(client, headers)[0]["id_number"]


def test_every_url_the_app_builds_is_the_url_werkzeug_builds(seeded):
    app = make_app(seeded)
    samples = {"IntegerConverter": 7, "FloatConverter": 1.5, "PathConverter": "村务/公开"}
    checked = 0
    with app.test_request_context():
        for rule in list(app.url_map.iter_rules()):
            values = {
                name: samples.get(type(converter).__name__, "城南社区")
                for name, converter in rule._converters.items()
            }
            plain = Map([Rule(rule.rule, endpoint=rule.endpoint, defaults=rule.defaults)])
            expected = plain.bind("localhost").build(rule.endpoint, {**values, "extra": "1"})
            actual = app.url_map.bind("localhost").build(rule.endpoint, {**values, "extra": "1"})
            assert actual == expected, rule.rule
            checked += 1
    assert checked > 50  # the admin's, the API's and the portal's rules
    assert all(isinstance(rule, LazyBuilderRule) for rule in app.url_map.iter_rules())


def test_building_the_app_leaves_the_garbage_collector_as_it_was(seeded):
    assert gc.isenabled()
    make_app(seeded)
    assert gc.isenabled()
    gc.disable()
    try:
        make_app(seeded)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_paused_collector_is_switched_back_on_even_when_the_block_fails():
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("插件加载失败")
    assert gc.isenabled()
