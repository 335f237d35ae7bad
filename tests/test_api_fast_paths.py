"""The API's read fast paths answer exactly what flask-smorest and marshmallow would.

A page of residents is dumped without marshmallow's per-field machinery, the pagination header
is built without a schema per request, and the list's statements are built once per scope and
filter. None of this may change a single byte a client sees, or whom a list shows: these tests
compare each fast path with the general one it replaces.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask import Flask, g
from flask_smorest import Blueprint
from helpers import api_token, bearer, make_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields

from core.models import Account, Tag
from core.security import Principal
from core.testing import add_person
from hostapp.api.registrar import PagedBlueprint
from hostapp.api.schemas import (
    VIEW_ID_NUMBER,
    ListedPerson,
    ListedTag,
    PersonSchema,
    dump_listed_persons,
)

VILLAGE = "500243001001"  # 城南社区
NEIGHBOUR = "500243001002"  # 长滩村

CLERK = Principal(
    account=Account(username="clerk", display_name="村文书", scope_code=VILLAGE, roles=[]),
    permissions=frozenset({"core.person.view"}),
)
"""A principal who may list residents but not see their identity numbers in full."""

REGISTRAR = Principal(
    account=Account(username="registrar", display_name="户籍员", scope_code=VILLAGE, roles=[]),
    permissions=frozenset({"core.person.view", VIEW_ID_NUMBER}),
)
"""A principal who may see identity numbers in full."""

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
optional_texts = st.none() | texts
listed_people = st.builds(
    ListedPerson,
    id=st.integers(min_value=1, max_value=2**31 - 1),
    name=texts,
    id_number=st.from_regex(r"\A\d{17}[\dX]\Z") | texts,
    sex=st.sampled_from(["男", "女"]) | texts,
    birth_date=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31)),
    phone=st.none() | st.just("") | st.from_regex(r"\A1\d{10}\Z") | texts,
    locality_code=st.from_regex(r"\A\d{12}(\d{3})?\Z") | texts,
    household_id=st.none() | st.integers(min_value=1, max_value=2**31 - 1),
    relation=optional_texts,
    tags=st.lists(st.builds(ListedTag, texts), max_size=4),
)


def marshmallow_dump(people: list[ListedPerson]) -> list[dict]:
    """What marshmallow's own per-field dump of ``PersonSchema(many=True)`` gives."""
    return Schema.dump(PersonSchema(many=True), people)


@pytest.fixture(scope="module")
def bare_app() -> Flask:
    """An app context is all ``current_principal`` needs (it reads ``g.principal``)."""
    return Flask(__name__)


@pytest.mark.parametrize("principal", [CLERK, REGISTRAR], ids=["masked", "in full"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=st.lists(listed_people, max_size=8))
def test_a_page_of_residents_is_dumped_exactly_as_marshmallow_would(bare_app, principal, people):
    with bare_app.app_context():
        g.principal = principal
        fast = PersonSchema(many=True).dump(people)
        assert fast == marshmallow_dump(people)
        assert fast == dump_listed_persons(people)
        assert json.dumps(fast, ensure_ascii=False) == json.dumps(
            marshmallow_dump(people), ensure_ascii=False
        )


def test_identity_numbers_are_masked_unless_the_role_may_see_them(bare_app):
    person = ListedPerson(
        id=7,
        name="张三",
        id_number="500243198001010013",
        sex="男",
        birth_date=dt.date(1980, 1, 1),
        phone="13800138000",
        locality_code=VILLAGE,
        household_id=None,
        relation=None,
        tags=[ListedTag("党员"), ListedTag("低保户")],
    )
    with bare_app.app_context():
        g.principal = CLERK
        (masked,) = PersonSchema(many=True).dump([person])
        g.principal = REGISTRAR
        (full,) = PersonSchema(many=True).dump([person])
    assert masked == {
        "id": 7,
        "name": "张三",
        "id_number": "500243********0013",
        "sex": "男",
        "birth_date": "1980-01-01",
        "phone": "138****8000",
        "locality_code": VILLAGE,
        "household_id": None,
        "relation": None,
        "tags": ["党员", "低保户"],
    }
    assert full == {**masked, "id_number": "500243198001010013"}


def test_a_narrowed_or_extended_schema_still_dumps_its_own_fields(bare_app):
    person = ListedPerson(
        id=1,
        name="李四",
        id_number="500243199002020024",
        sex="女",
        birth_date=dt.date(1990, 2, 2),
        phone=None,
        locality_code=VILLAGE,
        household_id=3,
        relation="户主",
    )

    class PersonWithNote(PersonSchema):
        note = fields.Function(lambda p: f"{p.name}（备注）")

    with bare_app.app_context():
        g.principal = CLERK
        assert PersonSchema(many=True, only=("id", "name")).dump([person]) == [
            {"id": 1, "name": "李四"}
        ]
        assert "sex" not in PersonSchema(many=True, exclude=("sex",)).dump([person])[0]
        assert PersonWithNote(many=True).dump([person])[0]["note"] == "李四（备注）"
        assert PersonSchema().dump(person)["household_id"] == 3


@given(
    page=st.integers(min_value=1, max_value=200),
    page_size=st.integers(min_value=1, max_value=100),
    item_count=st.integers(min_value=0, max_value=20_000),
)
def test_the_pagination_header_reads_exactly_as_flask_smorest_writes_it(
    page, page_size, item_count
):
    ours = PagedBlueprint._make_pagination_metadata(page, page_size, item_count)
    theirs = Blueprint._make_pagination_metadata(page, page_size, item_count)
    assert json.dumps(ours) == json.dumps(theirs)


@pytest.fixture
def villages(seeded):
    """Three residents of 城南社区 and two of 长滩村, all named 王 something."""
    with seeded.db.transaction() as session:
        member = Tag(name="党员")
        here = [add_person(session, f"王城南{i}", VILLAGE, 10 + i) for i in range(3)]
        there = [add_person(session, f"王长滩{i}", NEIGHBOUR, 30 + i) for i in range(2)]
        here[0].tags = [member]
        there[0].tags = [member]
    return seeded


def names(client, headers, **query):
    response = client.get("/api/v1/persons", headers=headers, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(person["name"] for person in response.get_json())


def test_the_same_filter_shows_each_account_only_its_own_scope(villages):
    """The list's statements are reused per scope and filter, never across scopes."""
    app = make_app(villages)
    client = app.test_client()
    town, village = bearer(api_token(client, "town")), bearer(api_token(client, "village"))
    everyone = ["王城南0", "王城南1", "王城南2", "王长滩0", "王长滩1"]
    for _ in range(2):  # the second round reads the statements built in the first
        assert names(client, town, name="王") == everyone
        assert names(client, village, name="王") == everyone[:3]
        assert names(client, town, name="长滩") == everyone[3:]
        assert names(client, village, name="长滩") == []
        assert names(client, town, locality_code=NEIGHBOUR) == everyone[3:]
        assert names(client, village) == everyone[:3]


def test_the_pagination_header_of_a_page_of_residents(villages):
    app = make_app(villages)
    client = app.test_client()
    town = bearer(api_token(client, "town"))
    response = client.get("/api/v1/persons?page=2&page_size=2&name=王", headers=town)
    assert response.status_code == 200
    assert [p["name"] for p in response.get_json()] == ["王城南2", "王长滩0"]
    assert response.headers["X-Pagination"] == json.dumps(
        {
            "total": 5,
            "total_pages": 3,
            "first_page": 1,
            "last_page": 3,
            "page": 2,
            "previous_page": 1,
            "next_page": 3,
        }
    )
    past = client.get("/api/v1/persons?page=9&page_size=2", headers=town)
    assert past.status_code == 200 and past.get_json() == []
    assert json.loads(past.headers["X-Pagination"])["total_pages"] == 3
