"""Each hook specification, exercised end to end through the example plugin (意见箱).

docs/hooks.md documents every hook; tests/test_docs.py checks that each one has a test here
named ``test_hook_<name>`` (the CLI hook's is in tests/test_cli.py).
"""

import datetime as dt
import random

import pytest
from helpers import api_token, bearer, logged_in
from sqlalchemy import select

from core.identity import make_id_number
from core.manifest import Permission
from core.models import Locality
from core.security import PermissionRegistry
from core.testing import COUNTY, add_account, add_person, seed_tree
from hostapp import create_app


@pytest.fixture
def example(make_runtime):
    """A runtime with the example plugin, the locality tree and one account per level."""
    runtime = make_runtime(["example"], {"example": {"model_villages": ["500243001001"]}})
    with runtime.db.transaction() as session:
        seed_tree(session)
        add_account(session, "county", COUNTY[0], ["county_admin"])
        add_account(session, "village", "500243001001", ["village_admin"])
    return runtime


def _suggestion(runtime, locality_code, state="submitted", answer=None):
    from gongzhi_example.models import Suggestion

    with runtime.db.transaction() as session:
        record = Suggestion(
            title="修路灯",
            body="村口的路灯坏了",
            locality_code=locality_code,
            state=state,
            answer=answer,
        )
        session.add(record)
    return record


def test_hook_register_permissions_adds_the_plugins_permissions_to_roles(example):
    permissions = example.plugins.permissions
    assert "example.suggestion.handle" in permissions.granted(["village_admin"])
    assert "example.suggestion.answer" not in permissions.granted(["village_admin"])
    assert "example.suggestion.answer" in permissions.granted(["county_admin"])


def test_hook_register_permissions_grants_can_be_extended_by_the_config():
    registry = PermissionRegistry(
        [Permission("example.suggestion.answer", "答复", ("town_admin",))],
        {"village_admin": ["example.suggestion.answer"]},
    )
    assert "example.suggestion.answer" in registry.granted(["village_admin"])
    with pytest.raises(ValueError, match="未知权限 nope"):
        PermissionRegistry([], {"village_admin": ["nope"]})


def test_hook_register_admin_views_puts_the_plugins_view_under_its_own_menu(example):
    app = create_app(example)
    client = logged_in(app, "county")
    page = client.get("/admin/").get_data(as_text=True)
    assert "意见箱" in page and "意见建议" in page
    listing = client.get("/admin/example_suggestion/")
    assert listing.status_code == 200


def test_hook_register_api_mounts_the_plugins_blueprint_with_token_auth_and_scope(example):
    _suggestion(example, "500243001001")
    _suggestion(example, "500243001002")
    client = create_app(example).test_client()
    assert client.get("/api/v1/example/suggestions").status_code == 401
    token = api_token(client, "village")
    rows = client.get("/api/v1/example/suggestions", headers=bearer(token)).get_json()
    assert [r["locality_code"] for r in rows] == ["500243001001"]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/example/suggestions" in spec["paths"]


def test_hook_register_portal_sections_shows_answered_suggestions_only(example):
    _suggestion(example, "500243001001", state="answered", answer="已更换路灯")
    client = create_app(example).test_client()
    village = client.get("/l/500243001001").get_data(as_text=True)
    assert "意见建议答复" in village and "已更换路灯" in village
    neighbour = client.get("/l/500243001002").get_data(as_text=True)
    assert "意见建议答复" not in neighbour


def test_hook_register_demo_data_seeds_the_plugins_demo_in_the_same_transaction(make_runtime):
    from gongzhi_example.models import Suggestion

    runtime = make_runtime(["example"])
    with runtime.db.transaction() as session:
        seed_tree(session)
        root = session.get(Locality, COUNTY[0])
        runtime.plugins.hook.register_demo_data(session=session, root=root, rng=random.Random(1))
    with runtime.db.transaction() as session:
        codes = session.scalars(select(Suggestion.locality_code).order_by(Suggestion.id)).all()
    assert codes == ["500243001001", "500243001002", "500243101001"]


def test_hook_on_event_reacts_to_a_resident_registered_through_the_api(example):
    from gongzhi_example.models import Greeting

    client = create_app(example).test_client()
    token = api_token(client, "village")
    number = make_id_number("500243", dt.date(1990, 1, 2), 31)
    response = client.post(
        "/api/v1/persons",
        json={"name": "吴九", "id_number": number, "locality_code": "500243001001"},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.get_json()
    with example.db.transaction() as session:
        greetings = session.scalars(select(Greeting)).all()
    assert [g.person_id for g in greetings] == [response.get_json()["id"]]


def test_hook_provide_person_summary_appears_on_the_residents_admin_page(example):
    with example.db.transaction() as session:
        person = add_person(session, "郑十", "500243001001", 41)
    client = logged_in(create_app(example), "village")
    page = client.get(f"/admin/person/details/?id={person.id}").get_data(as_text=True)
    assert "意见箱" in page and "欢迎信" in page and "未发送" in page


def test_hook_provide_locality_title_brands_a_model_village_and_leaves_others(example):
    client = create_app(example).test_client()
    assert "<h1>城南社区（示范村）</h1>" in client.get("/l/500243001001").get_data(as_text=True)
    assert "<h1>长滩村</h1>" in client.get("/l/500243001002").get_data(as_text=True)


def test_hook_provide_public_notices_gathers_notices_on_the_portal(example):
    _suggestion(example, "500243001001", state="answered", answer="已更换路灯")
    client = create_app(example).test_client()
    page = client.get("/l/500243001001").get_data(as_text=True)
    assert "公示公告" in page
    assert "意见答复" in page and "关于“修路灯”的答复" in page
    assert "公示公告" not in client.get("/l/500243101001").get_data(as_text=True)
