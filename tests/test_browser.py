"""In a real headless Chromium: logging in, working in the admin, and the portal on a phone.

These tests fail, never skip, when Chromium cannot run: CI installs it (.ci/ensure-chromium.sh).
The browser, logging in and the checks live in :mod:`browser_support`; each practice's own
workflows are in ``test_browser_workflows.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import browser_support
import pytest
from browser_support import PHONE, english_words, horizontal_overflow, log_in

from core.testing import add_person, serve_wsgi
from hostapp import create_app

chromium = browser_support.chromium  # one Chromium for the module's tests


@pytest.fixture
def site(make_runtime) -> Iterator[str]:
    from core.testing import COUNTY, add_account, seed_tree

    runtime = make_runtime(["example"])
    with runtime.db.transaction() as session:
        seed_tree(session)
        add_account(session, "county", COUNTY[0], ["county_admin"])
        add_account(session, "village", "500243001001", ["village_admin"])
        add_person(session, "张三", "500243001001", 11)
        add_person(session, "李四", "500243001002", 13)
    with serve_wsgi(create_app(runtime)) as url:
        yield url


def test_a_village_admin_logs_in_and_works_in_chinese(chromium, site):
    page = chromium.new_page()
    log_in(page, site, "village")
    body = page.inner_text("body")
    assert "首页" in body and "居民" in body and "退出登录" in body
    assert english_words(body) == []
    page.goto(f"{site}/admin/person/")
    table = page.inner_text("table.model-list")
    assert "张三" in table and "李四" not in table
    assert re.search(r"500243\*{8}\d{3}[\dX]", table)
    page.close()


def test_a_resident_is_registered_through_the_admin_form(chromium, site):
    import datetime as dt

    from core.identity import make_id_number

    page = chromium.new_page()
    log_in(page, site, "village")
    page.goto(f"{site}/admin/person/new/")
    page.fill("#name", "王五")
    page.fill("#id_number", make_id_number("500243", dt.date(1985, 6, 1), 21))
    page.fill("#phone", "13800138000")
    page.click("input[type=submit][value='保存']")
    page.wait_for_url(re.compile(r".*/admin/person/.*"))
    assert "王五" in page.inner_text("table.model-list")
    page.close()


def test_a_bad_identity_number_is_refused_with_a_chinese_message(chromium, site):
    page = chromium.new_page()
    log_in(page, site, "village")
    page.goto(f"{site}/admin/person/new/")
    page.fill("#name", "赵六")
    page.fill("#id_number", "500243198506010211")
    page.click("input[type=submit][value='保存']")
    assert "身份证号码校验码错误" in page.inner_text("body")
    page.close()


def test_a_workflow_action_moves_a_suggestion_through_the_details_page(
    chromium, site, make_runtime
):
    page = chromium.new_page()
    log_in(page, site, "village")
    page.goto(f"{site}/admin/example_suggestion/new/")
    page.fill("#title", "修路灯")
    page.fill("#body", "村口的路灯坏了")
    page.click("input[type=submit][value='保存']")
    page.goto(f"{site}/admin/example_suggestion/")
    page.click("a[title='查看记录']")
    assert "当前状态：已提交" in page.inner_text("body")
    page.click("button:has-text('受理')")
    assert "已执行：受理" in page.inner_text("body")
    assert "当前状态：已受理" in page.inner_text("body")
    page.close()


def test_the_portal_fits_a_phone_screen(chromium, site):
    page = chromium.new_page(viewport=PHONE)
    page.goto(f"{site}/")
    assert page.inner_text("h1") == "彭水苗族土家族自治县"
    assert horizontal_overflow(page) <= 0
    page.click("text=汉葭街道")
    assert page.inner_text("h1") == "汉葭街道"
    assert "城南社区" in page.inner_text("body")
    text = page.inner_text("body")
    assert not re.search(r"\d{17}[\dX]", text), "an identity number leaked onto the portal"
    page.close()
