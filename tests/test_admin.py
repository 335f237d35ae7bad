"""The admin backend as staff use it: logging in, the Chinese dashboard, scoped registers,
masked identity numbers, audited writes, CSRF, and the workflow actions of a plugin's records."""

from __future__ import annotations

import datetime as dt
import html
import random
import re
import types
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_admin.contrib.sqla import ModelView
from helpers import (
    csrf_token,
    flashes,
    logged_in,
    login,
    make_app,
    submit,
)
from sqlalchemy import func, not_, select

from core.events import PersonRegistered, emit
from core.identity import make_id_number
from core.models import (
    Account,
    AuditEntry,
    EventRecord,
    Household,
    Locality,
    Membership,
    Organization,
    Person,
    Tag,
)
from core.testing import COUNTY, PASSWORD, add_account, add_person, seed_tree

VILLAGE = "500243001001"  # 城南社区: the village account's own
NEIGHBOUR = "500243001002"  # 长滩村: its sibling under the same town
TOWN = "500243001000"  # 汉葭街道
OTHER_TOWN = "500243101000"  # 保家镇
OTHER_TOWN_VILLAGE = "500243101001"  # 中心村

PLUGINS = ["example"]
"""The plugin set of the every-view walks: the example plugin brings a scoped view with a workflow.

(With every plugin enabled, the plugins' own ORM classes currently collide on the shared
declarative registry, which poisons mapper configuration for the whole test process.)
"""


def new_id_number(sequence: int) -> str:
    return make_id_number("500243", dt.date(1990, 2, 3), sequence)


def person_form(sequence: int, locality: str = VILLAGE, name: str = "赵六") -> dict[str, str]:
    """The admin's new-resident form, filled in."""
    return {
        "name": name,
        "id_number": new_id_number(sequence),
        "locality": locality,
        "household": "__None",
    }


def page(response) -> str:
    return response.get_data(as_text=True)


def count_on_dashboard(text: str, label: str) -> int:
    match = re.search(
        rf'<div class="text-muted">{label}</div>\s*<div class="h3 mb-0">(\d+)</div>', text
    )
    assert match, f"no count for {label} on the dashboard"
    return int(match.group(1))


def listed_ids(text: str) -> set[str]:
    """The record ids a Flask-Admin list page links to (details and edit links)."""
    ids = set()
    for href in re.findall(r'href="([^"]*/(?:details|edit)/\?[^"]*)"', text):
        query = parse_qs(urlsplit(html.unescape(href)).query)
        ids.update(query.get("id", []))
    return ids


@pytest.fixture
def county(seeded):
    """The seeded county with one resident per village of the first town and one further away.

    Accounts (all with :data:`core.testing.PASSWORD`): ``county``, ``town`` (汉葭街道),
    ``village`` (城南社区), ``neighbour`` (长滩村).
    """
    with seeded.db.transaction() as session:
        own = add_person(session, "张三", VILLAGE, 11)
        own.phone = "13800138000"
        neighbour = add_person(session, "李四", NEIGHBOUR, 13)
        far = add_person(session, "王五", OTHER_TOWN_VILLAGE, 15)
        ids = types.SimpleNamespace(own=own.id, neighbour=neighbour.id, far=far.id)
        own_number, neighbour_number = own.id_number, neighbour.id_number
    return types.SimpleNamespace(
        runtime=seeded,
        app=make_app(seeded),
        ids=ids,
        own_number=own_number,
        neighbour_number=neighbour_number,
    )


def person_count(runtime) -> int:
    with runtime.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Person))


# --- logging in and out ------------------------------------------------------------------------


def test_the_admin_sends_an_anonymous_visitor_to_the_login_page_and_back_after_login(county):
    client = county.app.test_client()
    response = client.get("/admin/")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=/admin/")

    response = login(client, "village", next_url="/admin/person/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/person/"
    assert client.get("/admin/person/").status_code == 200


def test_the_login_page_never_sends_a_user_off_site_after_login(county):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        client = county.app.test_client()
        response = login(client, "village", next_url=target)
        assert response.status_code == 302
        location = response.headers["Location"]
        assert not urlsplit(location).netloc, location
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location


def test_a_wrong_password_is_refused_with_a_chinese_message(county):
    client = county.app.test_client()
    response = login(client, "village", password="not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in page(response)
    # An unknown user gets exactly the same answer, so usernames cannot be probed.
    response = login(client, "nobody", password="not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in page(response)
    assert client.get("/admin/").status_code == 302


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(county):
    client = county.app.test_client()
    for _ in range(5):
        assert login(client, "village", password="wrong-password-1").status_code == 401
    response = login(client, "village")
    assert response.status_code == 401
    assert "锁定" in page(response)
    assert client.get("/admin/").status_code == 302
    # The API's token endpoint honours the same lock.
    response = client.post("/api/v1/tokens", json={"username": "village", "password": PASSWORD})
    assert response.status_code == 401
    assert "锁定" in response.get_json()["message"]
    # Other accounts are not affected.
    assert login(county.app.test_client(), "neighbour").status_code == 302


def test_a_login_post_without_its_csrf_token_is_refused(county):
    client = county.app.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "village", "password": PASSWORD})
    assert response.status_code == 400
    assert "安全令牌" in page(response)
    assert client.get("/admin/").status_code == 302


def test_a_successful_login_lands_on_a_chinese_dashboard_with_counts_in_scope(county):
    client = county.app.test_client()
    response = login(client, "village")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    response = client.get("/admin/")
    text = page(response)
    assert response.status_code == 200
    for word in ("首页", "居民", "退出登录", "基础信息", "城南社区"):
        assert word in text, word
    assert count_on_dashboard(text, "居民") == 1
    assert count_on_dashboard(text, "行政区划") == 1

    text = page(logged_in(county.app, "county").get("/admin/"))
    assert count_on_dashboard(text, "居民") == 3
    assert count_on_dashboard(text, "行政区划") == 7


def test_logging_out_takes_a_post_with_the_csrf_token(county):
    client = logged_in(county.app, "village")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/").status_code == 200, "a refused logout must not log out"

    response = submit(client, "/admin/", {}, action="/logout")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.get("/admin/").status_code == 302


def test_a_deactivated_account_is_logged_out_at_its_next_request(county):
    client = logged_in(county.app, "village")
    with county.runtime.db.transaction() as session:
        session.scalars(
            select(Account).where(Account.username == "village")
        ).one().is_active = False
    response = client.get("/admin/person/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert login(county.app.test_client(), "village").status_code == 401


# --- the core registers, limited to the account's scope ----------------------------------------


@pytest.fixture
def registers(county):
    """A household, an organisation and a membership in each of three villages."""
    with county.runtime.db.transaction() as session:
        for index, (code, person_id) in enumerate(
            [
                (VILLAGE, county.ids.own),
                (NEIGHBOUR, county.ids.neighbour),
                (OTHER_TOWN_VILLAGE, county.ids.far),
            ]
        ):
            session.add(Household(number=f"H-{code}", locality_code=code, address="幸福路"))
            organization = Organization(
                name=f"{code}党支部", kind="party_branch", locality_code=code
            )
            session.add(organization)
            session.add(
                Membership(
                    person=session.get(Person, person_id),
                    organization=organization,
                    role=["网格员", "楼栋长", "监委会主任"][index],
                )
            )
        add_account(session, "baojia", OTHER_TOWN, ["town_admin"])
    return county


def test_a_village_admin_sees_only_its_own_villages_records_in_each_register(registers):
    client = logged_in(registers.app, "village")
    for url, shown, hidden in [
        ("/admin/person/", ["张三"], ["李四", "王五"]),
        ("/admin/household/", [f"H-{VILLAGE}"], [f"H-{NEIGHBOUR}", f"H-{OTHER_TOWN_VILLAGE}"]),
        (
            "/admin/organization/",
            [f"{VILLAGE}党支部"],
            [f"{NEIGHBOUR}党支部", f"{OTHER_TOWN_VILLAGE}党支部"],
        ),
        ("/admin/membership/", ["网格员"], ["楼栋长", "监委会主任"]),
        ("/admin/locality/", ["城南社区"], ["长滩村", "中心村", "汉葭街道"]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        text = page(response)
        for word in shown:
            assert word in text, (url, word)
        for word in hidden:
            assert word not in text, (url, word)


def test_a_town_admin_sees_its_villages_but_not_the_other_towns(registers):
    client = logged_in(registers.app, "town")
    text = page(client.get("/admin/person/"))
    assert "张三" in text and "李四" in text
    assert "王五" not in text
    text = page(client.get("/admin/account/"))
    usernames = set(re.findall(r'<td class="col-username">\s*(\S+)\s*</td>', text))
    assert usernames == {"town", "village", "neighbour"}, "not the county's nor 保家镇's"


def test_person_tags_are_shared_across_the_county(registers):
    with registers.runtime.db.transaction() as session:
        session.add(Tag(name="党员", description="中共党员"))
    text = page(logged_in(registers.app, "village").get("/admin/tag/"))
    assert "党员" in text


def test_a_village_admin_gets_404_for_a_neighbouring_villages_resident_even_by_id(county):
    client = logged_in(county.app, "village")
    target = county.ids.neighbour
    assert client.get(f"/admin/person/details/?id={target}").status_code == 404
    assert client.get(f"/admin/person/edit/?id={target}").status_code == 404
    token = csrf_token(client, "/admin/person/")
    response = client.post(
        f"/admin/person/edit/?id={target}",
        data={"csrf_token": token, "name": "改名", "locality": NEIGHBOUR, "household": "__None"},
    )
    assert response.status_code == 404
    response = client.post(
        "/admin/person/delete/", data={"csrf_token": token, "id": str(target), "url": "/admin/"}
    )
    assert response.status_code == 404
    page_404 = page(client.get(f"/admin/person/details/?id={target}"))
    assert "不在您的管辖范围内" in page_404
    assert "李四" not in page_404
    with county.runtime.db.transaction() as session:
        person = session.get(Person, target)
        assert person is not None and person.name == "李四"


def test_a_village_admin_can_open_edit_and_delete_its_own_resident(county):
    client = logged_in(county.app, "village")
    own = county.ids.own
    assert client.get(f"/admin/person/details/?id={own}").status_code == 200
    response = submit(
        client,
        f"/admin/person/edit/?id={own}",
        {"name": "张三丰", "phone": "13900139000", "locality": VILLAGE, "household": "__None"},
    )
    assert response.status_code == 302
    with county.runtime.db.transaction() as session:
        person = session.get(Person, own)
        assert person.name == "张三丰"
        assert person.id_number == county.own_number, "the hidden number field must stay put"
        update = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == "core_person", AuditEntry.action == "update")
            .order_by(AuditEntry.id.desc())
        ).first()
        assert (update.actor, update.channel) == ("account:village", "admin")
        assert (update.before["name"], update.after["name"]) == ("张三", "张三丰")
    response = submit(
        client, "/admin/person/", {"id": str(own), "url": "/admin/person/"}, "/admin/person/delete/"
    )
    assert response.status_code == 302
    assert person_count(county.runtime) == 2


def test_a_village_admin_cannot_move_its_resident_into_the_neighbouring_village(county):
    client = logged_in(county.app, "village")
    own = county.ids.own
    response = submit(
        client,
        f"/admin/person/edit/?id={own}",
        {"name": "张三", "locality": NEIGHBOUR, "household": "__None"},
    )
    assert response.status_code == 200
    assert any("失败" in message for message in flashes(page(response)))
    with county.runtime.db.transaction() as session:
        assert session.get(Person, own).locality_code == VILLAGE


def test_creating_a_resident_in_the_admin_writes_an_audit_entry_naming_the_account(county):
    client = logged_in(county.app, "village")
    number = new_id_number(21)
    response = submit(
        client,
        "/admin/person/new/",
        {"name": "赵六", "id_number": number, "locality": VILLAGE, "household": "__None"},
    )
    assert response.status_code == 302, flashes(page(response))
    with county.runtime.db.transaction() as session:
        person = session.scalars(select(Person).where(Person.name == "赵六")).one()
        assert person.id_number == number
        assert person.sex == "male" and person.birth_date == dt.date(1990, 2, 3)
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "core_person",
                AuditEntry.record_id == str(person.id),
                AuditEntry.action == "create",
            )
        ).one()
        assert entry.actor == "account:village"
        assert entry.channel == "admin"
        assert entry.after["id_number"] == "***", "the audit log must not keep the full number"


def test_the_audit_entry_of_a_resident_created_in_the_admin_says_where_they_live(county):
    client = logged_in(county.app, "village")
    submit(
        client,
        "/admin/person/new/",
        person_form(35),
    )
    with county.runtime.db.transaction() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.channel == "admin", AuditEntry.action == "create")
        ).one()
        assert entry.after["locality_code"] == VILLAGE
        assert entry.after["created_at"] is not None


def test_registering_a_resident_in_the_admin_tells_the_plugins_like_the_api_does(make_runtime):
    from gongzhi_example.models import Greeting

    runtime = make_runtime(["example"])
    with runtime.db.transaction() as session:
        seed_tree(session)
        add_account(session, "village", VILLAGE, ["village_admin"])
    client = logged_in(make_app(runtime), "village")
    response = submit(client, "/admin/person/new/", person_form(23))
    assert response.status_code == 302
    with runtime.db.transaction() as session:
        event = session.scalars(select(EventRecord)).one()
        assert (event.name, event.actor) == ("core.person_registered", "account:village")
        greeting = session.scalars(select(Greeting)).one()
        person_id = event.payload["person_id"]
        assert greeting.person_id == person_id
    details = page(client.get(f"/admin/person/details/?id={person_id}"))
    assert "意见箱" in details and "欢迎信" in details and "已发送" in details


def test_a_village_admin_cannot_register_a_resident_in_the_neighbouring_village(county):
    client = logged_in(county.app, "village")
    response = submit(
        client,
        "/admin/person/new/",
        person_form(25, NEIGHBOUR),
    )
    assert response.status_code == 200
    messages = flashes(page(response))
    assert any("创建记录失败" in m for m in messages), messages
    assert person_count(county.runtime) == 3
    with county.runtime.db.transaction() as session:
        written = session.scalars(select(AuditEntry).where(AuditEntry.channel == "admin")).all()
        assert written == []


def test_a_refused_choice_in_an_admin_form_is_explained_in_chinese(county):
    client = logged_in(county.app, "village")
    response = submit(
        client,
        "/admin/person/new/",
        person_form(27, NEIGHBOUR),
    )
    assert "Not a valid choice" not in page(response)


def test_a_resident_with_a_bad_identity_number_is_refused_in_chinese(county):
    client = logged_in(county.app, "village")
    bad = new_id_number(29)[:-1] + ("0" if new_id_number(29)[-1] != "0" else "1")
    response = submit(
        client,
        "/admin/person/new/",
        {"name": "赵六", "id_number": bad, "locality": VILLAGE, "household": "__None"},
    )
    assert response.status_code == 200
    assert any("校验码" in m for m in flashes(page(response))), flashes(page(response))
    assert person_count(county.runtime) == 3


def test_an_admin_form_posted_without_its_csrf_token_is_refused_and_writes_nothing(county):
    client = logged_in(county.app, "village")
    response = client.post(
        "/admin/person/new/",
        data={"name": "赵六", "id_number": new_id_number(31), "locality": VILLAGE},
    )
    assert response.status_code == 400
    assert "安全令牌" in page(response)
    response = client.post(
        "/admin/person/delete/", data={"id": str(county.ids.own), "url": "/admin/"}
    )
    assert response.status_code == 400
    assert person_count(county.runtime) == 3


def test_identity_numbers_are_masked_for_a_village_admin_but_shown_in_full_to_the_county(county):
    masked = county.own_number[:6] + "********" + county.own_number[-4:]
    village = logged_in(county.app, "village")
    for url in ("/admin/person/", f"/admin/person/details/?id={county.ids.own}"):
        text = page(village.get(url))
        assert masked in text, url
        assert county.own_number not in text, url
        assert "13800138000" not in text and "138****8000" in text, url
    edit = page(village.get(f"/admin/person/edit/?id={county.ids.own}"))
    assert county.own_number not in edit
    assert input_named(edit, "id_number") is False

    county_admin = logged_in(county.app, "county")
    for url in ("/admin/person/", f"/admin/person/details/?id={county.ids.own}"):
        assert county.own_number in page(county_admin.get(url)), url


def input_named(text: str, name: str) -> bool:
    return re.search(rf'name="{name}"', text) is not None


def test_only_the_county_admin_may_read_the_audit_and_event_logs(county):
    with county.runtime.db.transaction(actor="account:county", channel="cli") as session:
        person = add_person(session, "钱七", VILLAGE, 33)
        emit(session, PersonRegistered(locality_code=VILLAGE, person_id=person.id))
    for username in ("village", "town"):
        client = logged_in(county.app, username)
        for url in ("/admin/auditentry/", "/admin/eventrecord/"):
            response = client.get(url)
            assert response.status_code == 403, (username, url)
            assert "没有权限" in page(response)
        assert "审计日志" not in page(client.get("/admin/"))
    client = logged_in(county.app, "county")
    text = page(client.get("/admin/auditentry/"))
    assert "account:county" in text and "core_person" in text
    assert "core.person_registered" in page(client.get("/admin/eventrecord/"))


def test_a_mistyped_record_id_in_the_url_is_a_404(county):
    client = logged_in(county.app, "village")
    for url in (
        "/admin/person/details/?id=abc",
        "/admin/person/edit/?id=1x",
        "/admin/household/details/?id=",
    ):
        response = client.get(url)
        assert response.status_code in (302, 404), url
    response = client.get("/admin/person/details/?id=%00")
    assert response.status_code == 400
    assert "空字符" in page(response)


def test_searching_the_admin_for_a_nul_character_is_refused_not_a_server_error(county):
    client = logged_in(county.app, "village")
    response = client.get("/admin/person/?search=%00")
    assert response.status_code == 400
    assert "空字符" in page(response)


def test_a_nul_character_in_the_login_form_is_refused_not_a_server_error(county):
    response = login(county.app.test_client(), "vil\x00lage")
    assert response.status_code in (400, 401)


def test_a_village_admin_appoints_its_own_resident_but_never_a_neighbours(county):
    with county.runtime.db.transaction() as session:
        branch = Organization(name="城南社区党支部", kind="party_branch", locality_code=VILLAGE)
        session.add(branch)
        session.flush()
        branch_id = branch.id
    client = logged_in(county.app, "village")
    lookup = client.get("/admin/membership/ajax/lookup/?name=person&query=李")
    assert lookup.status_code == 200 and lookup.get_json() == []
    offered = client.get("/admin/membership/ajax/lookup/?name=person&query=张").get_json()
    assert [pk for pk, _ in offered] == [county.ids.own]
    assert county.own_number not in str(offered), "the picker shows masked numbers"

    form = {"organization": str(branch_id), "role": "网格员"}
    response = submit(
        client, "/admin/membership/new/", {**form, "person": str(county.ids.neighbour)}
    )
    assert response.status_code == 200
    assert any("创建记录失败" in m for m in flashes(page(response)))
    response = submit(client, "/admin/membership/new/", {**form, "person": str(county.ids.own)})
    assert response.status_code == 302
    with county.runtime.db.transaction() as session:
        memberships = session.scalars(select(Membership)).all()
        assert [(m.person_id, m.role) for m in memberships] == [(county.ids.own, "网格员")]


def test_the_county_admin_adds_a_village_but_nothing_outside_the_county(county):
    client = logged_in(county.app, "county")
    response = submit(client, "/admin/locality/new/", {"code": "110101001001", "name": "外地村"})
    assert response.status_code == 200
    assert "保存失败：所属区划超出您的管辖范围，无法保存" in flashes(page(response))
    response = submit(client, "/admin/locality/new/", {"code": "5002430010", "name": "半截码"})
    assert response.status_code == 200
    assert any("12 位数字" in m for m in flashes(page(response)))
    response = submit(client, "/admin/locality/new/", {"code": "500243001003", "name": "新村"})
    assert response.status_code == 302
    with county.runtime.db.transaction() as session:
        added = session.get(Locality, "500243001003")
        assert (added.name, added.level, added.parent_code) == ("新村", "village", TOWN)
        assert session.get(Locality, "110101001001") is None
    # Only the county maintains the tree.
    village = logged_in(county.app, "village")
    assert village.get("/admin/locality/new/").status_code in (302, 403)


def test_a_village_admin_may_not_manage_accounts(county):
    client = logged_in(county.app, "village")
    assert client.get("/admin/account/").status_code == 403
    assert client.get("/admin/account/new/").status_code == 403


def test_a_town_admin_cannot_grant_the_county_admin_role(county):
    client = logged_in(county.app, "town")
    form = page(client.get("/admin/account/new/"))
    assert 'value="county_admin"' not in form
    response = submit(
        client,
        "/admin/account/new/",
        {
            "username": "upstart",
            "display_name": "越权",
            "roles": "county_admin",
            "scope": TOWN,
            "is_active": "y",
            "new_password": "another-password-1",
        },
    )
    assert response.status_code == 200
    with county.runtime.db.transaction() as session:
        assert session.scalar(select(Account).where(Account.username == "upstart")) is None


def test_a_town_admin_creates_a_village_account_that_can_log_in(county):
    client = logged_in(county.app, "town")
    response = submit(
        client,
        "/admin/account/new/",
        {
            "username": "newcomer",
            "display_name": "新同事",
            "roles": "village_admin",
            "scope": VILLAGE,
            "is_active": "y",
            "new_password": "a-long-new-password-1",
        },
    )
    assert response.status_code == 302
    assert login(county.app.test_client(), "newcomer", "a-long-new-password-1").status_code == 302


def test_a_new_account_without_a_password_is_refused(county):
    client = logged_in(county.app, "town")
    data = {"username": "nopass", "display_name": "无密码", "roles": "village_admin"}
    response = submit(client, "/admin/account/new/", {**data, "scope": VILLAGE, "is_active": "y"})
    assert "新账号必须设置密码" in page(response)
    with county.runtime.db.transaction() as session:
        assert session.scalar(select(Account).where(Account.username == "nopass")) is None


# --- every admin view, including plugins' --------------------------------------------------------


def admin_views(app):
    admins = app.extensions["admin"]
    for admin in admins if isinstance(admins, list) else [admins]:
        yield from admin._views


def view_base_url(view) -> str:
    return view.url.rstrip("/") + "/"


def place_records_everywhere(runtime) -> None:
    """Core records in three villages of two towns, plus each plugin's own demo data."""
    with runtime.db.transaction(actor="system:test", channel="cli") as session:
        seed_tree(session)
        add_account(session, "county", COUNTY[0], ["county_admin"])
        add_account(session, "town", TOWN, ["town_admin"])
        add_account(session, "village", VILLAGE, ["village_admin"])
        add_account(session, "neighbour", NEIGHBOUR, ["village_admin"])
        add_account(session, "zhongxin", OTHER_TOWN_VILLAGE, ["village_admin"])
        for sequence, code in enumerate([VILLAGE, NEIGHBOUR, OTHER_TOWN_VILLAGE], start=1):
            person = add_person(session, f"居民{sequence}", code, 100 + sequence)
            household = Household(number=f"H{sequence}", locality_code=code)
            person.household = household
            organization = Organization(name=f"组织{sequence}", kind="council", locality_code=code)
            session.add_all([household, organization])
            session.add(Membership(person=person, organization=organization, role="理事"))
            session.flush()
            emit(session, PersonRegistered(locality_code=code, person_id=person.id))
        county_place = session.get(Locality, COUNTY[0])
        runtime.plugins.hook.register_demo_data(
            session=session, root=county_place, rng=random.Random(7)
        )


def scoped_model_views(app):
    return [
        v for v in admin_views(app) if isinstance(v, ModelView) and hasattr(v.model, "scope_clause")
    ]


def test_every_admin_view_sends_anonymous_visitors_to_the_login_page(make_runtime):
    runtime = make_runtime(PLUGINS)
    place_records_everywhere(runtime)
    app = make_app(runtime)
    client = app.test_client()
    views = list(admin_views(app))
    assert len(views) >= 10
    for view in views:
        urls = [view_base_url(view)]
        if isinstance(view, ModelView):
            urls += [urls[0] + "details/?id=1", urls[0] + "new/", urls[0] + "edit/?id=1"]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/login?next="), url
        if isinstance(view, ModelView):
            # Even with a valid CSRF token (anyone can get one from the login page).
            token = csrf_token(client, "/login")
            for action in ("delete/", "transition/", "action/"):
                response = client.post(urls[0] + action, data={"csrf_token": token, "id": "1"})
                assert response.status_code == 302, urls[0] + action
                assert response.headers["Location"].startswith("/login?next="), urls[0] + action
    with runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 3


@pytest.mark.parametrize(("username", "scope"), [("village", VILLAGE), ("town", TOWN)])
def test_no_scoped_admin_view_lists_or_opens_a_record_outside_the_accounts_scope(
    make_runtime, username, scope
):
    runtime = make_runtime(PLUGINS)
    place_records_everywhere(runtime)
    app = make_app(runtime)
    client = logged_in(app, username)
    views = scoped_model_views(app)
    assert {v.model for v in views} >= {Person, Household, Organization, Membership, Locality}
    assert "example_suggestion" in {v.endpoint for v in views}
    checked = 0
    for view in views:
        model = view.model
        with runtime.db.transaction() as session:
            inside = session.scalars(select(model).where(model.scope_clause(scope))).all()
            outside = session.scalars(
                select(model).where(model.scope_clause(COUNTY[0]), not_(model.scope_clause(scope)))
            ).all()
            inside_ids = {str(view.get_pk_value(r)) for r in inside}
            outside_ids = {str(view.get_pk_value(r)) for r in outside}
        assert outside_ids, (
            f"admin view {view.endpoint}: no {model.__name__} outside {scope} to check the scope "
            "with; the plugin's register_demo_data should place records in every village"
        )
        base = view_base_url(view)
        response = client.get(base + "?page_size=500")
        if response.status_code == 403:
            for pk in outside_ids:
                assert client.get(base + f"details/?id={pk}").status_code in (403, 404)
            continue
        assert response.status_code == 200, view.endpoint
        listed = listed_ids(page(response))
        assert not listed & outside_ids, f"{view.endpoint} lists records outside {scope}"
        if view.can_view_details:
            assert listed == inside_ids, view.endpoint
        token = csrf_token(client, "/admin/")
        for pk in outside_ids:
            where = (view.endpoint, pk)
            assert client.get(base + f"details/?id={pk}").status_code == 404, where
            # Views that may not edit or delete at all send the user back (302); others hide
            # the record (404). Either way nothing outside the scope is shown or changed.
            assert client.get(base + f"edit/?id={pk}").status_code in (302, 404), where
            response = client.post(
                base + "delete/", data={"csrf_token": token, "id": pk, "url": base}
            )
            assert response.status_code in (302, 404), where
            if view.workflow is not None:
                for t in view.workflow.transitions:
                    response = client.post(
                        base + "transition/",
                        data={"csrf_token": token, "id": pk, "transition": t.name, "reason": "x"},
                    )
                    assert response.status_code == 404, (*where, t.name)
        with runtime.db.transaction() as session:
            after = session.scalars(
                select(model).where(model.scope_clause(COUNTY[0]), not_(model.scope_clause(scope)))
            ).all()
            assert {str(view.get_pk_value(r)) for r in after} == outside_ids, view.endpoint
            if view.workflow is not None:
                states = {view.workflow.state_of(r) for r in after}
                assert states == {view.workflow.initial}, view.endpoint
        checked += 1
    assert checked >= 4


# --- the example plugin's suggestions: workflow actions in the admin ----------------------------


@pytest.fixture
def suggestions(make_runtime):
    runtime = make_runtime(["example"])
    from gongzhi_example.models import Suggestion

    with runtime.db.transaction() as session:
        seed_tree(session)
        add_account(session, "county", COUNTY[0], ["county_admin"])
        add_account(session, "town", TOWN, ["town_admin"])
        add_account(session, "village", VILLAGE, ["village_admin"])
        own = Suggestion(title="修路灯", body="村口路灯坏了", locality_code=VILLAGE)
        other = Suggestion(title="清垃圾", body="河边垃圾多", locality_code=NEIGHBOUR)
        session.add_all([own, other])
        session.flush()
        ids = types.SimpleNamespace(own=own.id, other=other.id)
    app = make_app(runtime)
    return types.SimpleNamespace(runtime=runtime, app=app, ids=ids, model=Suggestion)


SUGGESTIONS = "/admin/example_suggestion/"


def suggestion_state(suggestions, key: str = "own") -> str:
    with suggestions.runtime.db.transaction() as session:
        return session.get(suggestions.model, getattr(suggestions.ids, key)).state


def transition(client, record_id: int, name: str, **extra: str):
    """Post a workflow transition as the details page's buttons do (or as anyone could post it
    when no button is shown), with a CSRF token from the session's pages."""
    token = csrf_token(client, "/admin/")
    return client.post(
        f"{SUGGESTIONS}transition/",
        data={"csrf_token": token, "id": str(record_id), "transition": name, **extra},
    )


def transition_buttons(text: str) -> list[str]:
    return re.findall(
        r'name="transition" value="[^"]+">\s*(?:<input[^>]*>)?\s*'
        r'<button class="btn btn-primary" type="submit">([^<]+)</button>',
        text,
    )


def test_a_village_admin_sees_accept_and_reject_on_a_new_suggestion(suggestions):
    client = logged_in(suggestions.app, "village")
    text = page(client.get(f"{SUGGESTIONS}details/?id={suggestions.ids.own}"))
    assert "流程操作" in text and "已提交" in text
    assert transition_buttons(text) == ["受理", "不予受理"]


def test_accepting_a_suggestion_moves_it_on_and_is_audited(suggestions):
    client = logged_in(suggestions.app, "village")
    response = transition(client, suggestions.ids.own, "accept")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{SUGGESTIONS}details/")
    assert suggestion_state(suggestions) == "accepted"
    text = page(client.get(response.headers["Location"]))
    assert "已执行：受理" in " ".join(flashes(text))
    assert "已受理" in text
    with suggestions.runtime.db.transaction() as session:
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "example_suggestion", AuditEntry.action == "update"
            )
        ).one()
        assert (entry.actor, entry.channel) == ("account:village", "admin")
        assert (entry.before["state"], entry.after["state"]) == ("submitted", "accepted")


def test_a_plugins_domain_error_during_a_transition_is_explained_and_nothing_changes(
    suggestions, monkeypatch
):
    def refuse(record, transition, actor, session, reason):
        record.answer = "半途写入"
        raise ValueError("本村本月已受理 30 条意见，请下月再受理")

    # A plugin's transition effect that refuses with its own (ValueError) domain error.
    monkeypatch.setattr(suggestions.model, "on_transition", refuse)
    client = logged_in(suggestions.app, "village")
    response = transition(client, suggestions.ids.own, "accept")
    assert response.status_code == 302
    text = page(client.get(response.headers["Location"]))
    assert "本村本月已受理 30 条意见，请下月再受理" in " ".join(flashes(text))
    assert suggestion_state(suggestions) == "submitted"
    with suggestions.runtime.db.transaction() as session:
        assert session.get(suggestions.model, suggestions.ids.own).answer is None


def test_a_transition_posted_without_its_csrf_token_is_refused(suggestions):
    client = logged_in(suggestions.app, "village")
    response = client.post(
        f"{SUGGESTIONS}transition/", data={"id": str(suggestions.ids.own), "transition": "accept"}
    )
    assert response.status_code == 400
    assert suggestion_state(suggestions) == "submitted"


def test_a_village_admin_cannot_move_a_neighbouring_villages_suggestion(suggestions):
    client = logged_in(suggestions.app, "village")
    assert client.get(f"{SUGGESTIONS}details/?id={suggestions.ids.other}").status_code == 404
    token = csrf_token(client, SUGGESTIONS)
    response = client.post(
        f"{SUGGESTIONS}transition/",
        data={"csrf_token": token, "id": str(suggestions.ids.other), "transition": "accept"},
    )
    assert response.status_code == 404
    assert suggestion_state(suggestions, "other") == "submitted"


def test_refusing_a_suggestion_needs_a_reason(suggestions):
    client = logged_in(suggestions.app, "village")
    response = transition(client, suggestions.ids.own, "reject")
    text = page(client.get(response.headers["Location"]))
    assert any("必须填写理由" in m for m in flashes(text)), flashes(text)
    assert suggestion_state(suggestions) == "submitted"

    transition(client, suggestions.ids.own, "reject", reason="不属于本村事务")
    assert suggestion_state(suggestions) == "rejected"
    with suggestions.runtime.db.transaction() as session:
        assert session.get(suggestions.model, suggestions.ids.own).reason == "不属于本村事务"


def test_answering_needs_the_answer_permission_and_a_written_answer(suggestions):
    village = logged_in(suggestions.app, "village")
    transition(village, suggestions.ids.own, "accept")
    details = f"{SUGGESTIONS}details/?id={suggestions.ids.own}"

    # The town admin holds the answer permission, but the guard wants an answer first.
    town = logged_in(suggestions.app, "town")
    assert "答复" not in transition_buttons(page(town.get(details)))
    response = transition(town, suggestions.ids.own, "answer")
    text = page(town.get(response.headers["Location"]))
    assert any("请先填写答复内容" in m for m in flashes(text)), flashes(text)
    assert suggestion_state(suggestions) == "accepted"

    response = submit(
        town,
        f"{SUGGESTIONS}edit/?id={suggestions.ids.own}",
        {"title": "修路灯", "body": "村口路灯坏了", "locality": VILLAGE, "answer": "已安排维修"},
    )
    assert response.status_code == 302, flashes(page(response))

    # The village admin may handle suggestions but not answer them: not offered, and refused.
    assert "答复" not in transition_buttons(page(village.get(details)))
    response = transition(village, suggestions.ids.own, "answer")
    text = page(village.get(response.headers["Location"]))
    assert any("没有执行“答复”的权限" in m for m in flashes(text)), flashes(text)
    assert suggestion_state(suggestions) == "accepted"

    assert transition_buttons(page(town.get(details))) == ["答复"]
    transition(town, suggestions.ids.own, "answer")
    assert suggestion_state(suggestions) == "answered"


def test_a_finished_suggestion_offers_no_more_actions(suggestions):
    client = logged_in(suggestions.app, "village")
    transition(client, suggestions.ids.own, "reject", reason="重复提交")
    text = page(client.get(f"{SUGGESTIONS}details/?id={suggestions.ids.own}"))
    assert transition_buttons(text) == []
    assert "当前没有您可以执行的操作" in text
    response = transition(client, suggestions.ids.own, "accept")
    text = page(client.get(response.headers["Location"]))
    assert any("不能执行“受理”" in m for m in flashes(text)), flashes(text)
    assert suggestion_state(suggestions) == "rejected"


def test_the_admin_menu_has_a_category_for_the_plugin(suggestions):
    text = page(logged_in(suggestions.app, "village").get("/admin/"))
    assert "意见箱" in text and "意见建议" in text


def test_the_registers_in_the_dashboard_are_counted_within_scope_only(suggestions):
    with suggestions.runtime.db.transaction() as session:
        add_person(session, "甲", VILLAGE, 41)
        add_person(session, "乙", NEIGHBOUR, 43)
        add_person(session, "丙", OTHER_TOWN_VILLAGE, 45)
    text = page(logged_in(suggestions.app, "town").get("/admin/"))
    assert count_on_dashboard(text, "居民") == 2
    assert count_on_dashboard(text, "行政区划") == 3
