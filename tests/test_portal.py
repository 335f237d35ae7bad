"""The public portal as residents see it on a phone: a page per locality, in Chinese, with the
sections plugins add, and never a resident's identity number or phone."""

from __future__ import annotations

import datetime as dt
import re
import types

import pytest
from helpers import make_app

from core.testing import COUNTY, add_person, seed_tree

VILLAGE = "500243001001"  # 城南社区
NEIGHBOUR = "500243001002"  # 长滩村
TOWN = "500243001000"  # 汉葭街道
OTHER_TOWN_VILLAGE = "500243101001"  # 中心村


def page(response) -> str:
    return response.get_data(as_text=True)


def portal_links(text: str) -> set[str]:
    return set(re.findall(r'href="(/l/\d+)"', text))


def add_residents(runtime) -> list[tuple[str, str]]:
    """Residents with phones in three villages; returns (identity number, phone) pairs."""
    found = []
    with runtime.db.transaction() as session:
        for sequence, code in enumerate([VILLAGE, VILLAGE, NEIGHBOUR, OTHER_TOWN_VILLAGE], 11):
            person = add_person(session, f"居民{sequence}", code, sequence, dt.date(1975, 6, 7))
            person.phone = f"1380013{sequence:04d}"
            found.append((person.id_number, person.phone))
    return found


@pytest.fixture
def portal(seeded):
    people = add_residents(seeded)
    app = make_app(seeded)
    return types.SimpleNamespace(runtime=seeded, app=app, client=app.test_client(), people=people)


def example_portal(make_runtime, settings=None, suggestions=()):
    runtime = make_runtime(["example"], settings=settings)
    from gongzhi_example.models import Suggestion

    with runtime.db.transaction() as session:
        seed_tree(session)
        for title, code, state, answer in suggestions:
            session.add(
                Suggestion(title=title, body="…", locality_code=code, state=state, answer=answer)
            )
    people = add_residents(runtime)
    app = make_app(runtime)
    return types.SimpleNamespace(runtime=runtime, app=app, client=app.test_client(), people=people)


def test_the_home_page_leads_to_the_county_page(portal):
    response = portal.client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/l/{COUNTY[0]}"


def test_the_county_page_shows_its_name_towns_and_resident_count_in_chinese(portal):
    response = portal.client.get(f"/l/{COUNTY[0]}")
    assert response.status_code == 200
    text = page(response)
    assert '<html lang="zh-CN">' in text
    assert re.search(r'<meta name="viewport" content="width=device-width[^"]*">', text)
    assert "<h1>彭水苗族土家族自治县</h1>" in text
    assert "登记居民 4 人" in text
    assert "下辖" in text
    assert portal_links(text) == {f"/l/{TOWN}", "/l/500243101000"}
    assert "汉葭街道" in text and "保家镇" in text
    assert "工作人员登录" in text


def test_a_village_page_shows_where_it_sits_and_counts_only_its_residents(portal):
    text = page(portal.client.get(f"/l/{VILLAGE}"))
    assert "<h1>城南社区</h1>" in text
    assert "登记居民 2 人" in text
    assert f'href="/l/{COUNTY[0]}"' in text and f'href="/l/{TOWN}"' in text
    text = page(portal.client.get(f"/l/{TOWN}"))
    assert "登记居民 3 人" in text
    assert portal_links(text) >= {f"/l/{VILLAGE}", f"/l/{NEIGHBOUR}"}


def test_a_code_outside_the_deployment_or_malformed_is_a_chinese_404(portal):
    for code in (
        "110101000000",  # 北京 东城区: a real code outside the deployment
        "500244000000",  # the neighbouring county
        "500243001009",  # inside the county's range but not a registered locality
        "abc",
        "5002430010011",
        "50024300100",
    ):
        response = portal.client.get(f"/l/{code}")
        assert response.status_code == 404, code
        text = page(response)
        assert "页面不存在" in text, code
        assert '<html lang="zh-CN">' in text, code
    response = portal.client.get("/l/%00")
    assert response.status_code == 400 and "空字符" in page(response)


def test_an_unknown_page_is_a_chinese_404(portal):
    response = portal.client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in page(response)


def test_the_portal_needs_no_login_and_sets_no_session_cookie(portal):
    response = portal.client.get(f"/l/{COUNTY[0]}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_an_answered_suggestion_appears_in_the_plugins_section(make_runtime):
    portal = example_portal(
        make_runtime,
        suggestions=[
            ("修路灯", VILLAGE, "answered", "已安排维修"),
            ("清垃圾", VILLAGE, "accepted", None),
            ("建广场", NEIGHBOUR, "answered", "明年规划"),
        ],
    )
    text = page(portal.client.get(f"/l/{VILLAGE}"))
    assert "意见建议答复" in text
    assert "修路灯" in text and "已安排维修" in text
    assert "清垃圾" not in text, "an unanswered suggestion is not public"
    assert "建广场" not in text, "a neighbouring village's answer belongs on its own page"
    town = page(portal.client.get(f"/l/{TOWN}"))
    assert "修路灯" in town and "建广场" in town


def test_no_section_appears_when_nothing_has_been_answered(make_runtime):
    portal = example_portal(make_runtime, suggestions=[("修路灯", VILLAGE, "submitted", None)])
    text = page(portal.client.get(f"/l/{VILLAGE}"))
    assert "意见建议答复" not in text
    assert "修路灯" not in text


def test_what_residents_wrote_is_shown_as_text_never_as_markup(make_runtime):
    portal = example_portal(
        make_runtime,
        suggestions=[("<script>alert(1)</script>", VILLAGE, "answered", '<img src=x onerror="x">')],
    )
    text = page(portal.client.get(f"/l/{VILLAGE}"))
    assert "<script>alert(1)</script>" not in text
    assert "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_a_plugin_can_give_a_model_village_its_own_heading(make_runtime):
    portal = example_portal(make_runtime, settings={"example": {"model_villages": [VILLAGE]}})
    text = page(portal.client.get(f"/l/{VILLAGE}"))
    assert "<h1>城南社区（示范村）</h1>" in text
    assert "<h1>长滩村</h1>" in page(portal.client.get(f"/l/{NEIGHBOUR}"))
    assert "<h1>彭水苗族土家族自治县</h1>" in page(portal.client.get(f"/l/{COUNTY[0]}"))


def test_the_heading_is_the_localitys_name_without_settings(make_runtime):
    portal = example_portal(make_runtime)
    assert "<h1>城南社区</h1>" in page(portal.client.get(f"/l/{VILLAGE}"))


def test_no_identity_number_or_phone_ever_appears_on_a_portal_page(make_runtime):
    portal = example_portal(
        make_runtime,
        settings={"example": {"model_villages": [VILLAGE]}},
        suggestions=[("修路灯", VILLAGE, "answered", "已安排维修")],
    )
    seen: set[str] = set()
    queue = [f"/l/{COUNTY[0]}"]
    pages = []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = portal.client.get(url)
        assert response.status_code == 200, url
        text = page(response)
        pages.append((url, text))
        queue.extend(portal_links(text) - seen)
    assert len(pages) == 1 + 2 + 4, sorted(seen)
    for url, text in pages:
        for number, phone in portal.people:
            for secret in (number, number[:6] + "********" + number[-4:], number[6:14], phone):
                assert secret not in text, (url, secret)
            assert phone[:3] + "****" + phone[-4:] not in text, url
        assert not re.search(r"\d{6}\*{8}\w{4}", text), url
