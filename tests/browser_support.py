"""What every browser test shares: one headless Chromium, the served site, logging in, and the
checks that a page is in Chinese and fits a phone.

The browser tests fail, never skip, when Chromium cannot run: CI installs it
(``.ci/ensure-chromium.sh``); ``GONGZHI_CHROMIUM`` points them at another binary. Test modules
import the ``chromium`` fixture from here (``from browser_support import chromium``), which gives
each module one browser for all of its tests.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from core.runtime import Runtime
from core.testing import PASSWORD, make_app, serve_wsgi

CHROMIUM = os.environ.get("GONGZHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
"""A phone's viewport in CSS pixels (a common 6.1-inch handset)."""

ENGLISH_UI_WORDS = [
    "List",
    "Create",
    "Edit",
    "Delete",
    "Save",
    "Search",
    "Home",
    "Filter",
    "Cancel",
    "Actions",
    "Details",
    "View",
    "Add",
    "Submit",
]
"""Flask-Admin's English interface words; none may show on a page of the Chinese admin."""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright, one per test module."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextlib.contextmanager
def served(runtime: Runtime) -> Iterator[str]:
    """The deployment's app under waitress on a free loopback port; yields its base URL."""
    with serve_wsgi(make_app(runtime), threads=8) as url:
        yield url


def log_in(page: Page, site: str, username: str) -> None:
    """Log in through the login form as ``username`` and land on the admin's home page."""
    page.goto(f"{site}/admin/")
    assert "/login" in page.url
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))


def log_out(page: Page, site: str) -> None:
    """Log out with the home page's 退出登录 button, if anyone is logged in; ends on the login page.

    The next account then logs in afresh, as at a shared office computer.
    """
    page.goto(f"{site}/admin/")
    if "/login" not in page.url:
        with page.expect_navigation():
            page.click("button:text-is('退出登录')")
        page.goto(f"{site}/admin/")
    assert "/login" in page.url


def english_words(text: str) -> list[str]:
    """English UI words in ``text`` that would betray an untranslated page."""
    return [word for word in ENGLISH_UI_WORDS if re.search(rf"\b{word}\b", text)]


def chinese_text(page: Page) -> str:
    """The visible text of ``page``; fails naming the page and any English interface word."""
    page.wait_for_load_state()
    text = page.inner_text("body")
    words = english_words(text)
    assert words == [], f"English interface words on {page.url}: {words}"
    assert re.search(r"[\u4e00-\u9fff]", text), f"no Chinese on {page.url}"
    return text


def flash_messages(page: Page) -> list[str]:
    """The flashed messages (alerts) shown on the current page."""
    return [text.strip(" ×\n") for text in page.locator(".alert").all_inner_texts()]


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (≤ 0 when it fits)."""
    return int(page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))


def pick_ajax(page: Page, field_id: str, query: str, choice: str) -> None:
    """Choose ``choice`` in the autocomplete field ``field_id`` by typing ``query``, as staff do."""
    container = page.locator(f"#s2id_{field_id}")
    if "select2-container-multi" in (container.get_attribute("class") or ""):
        search = container.locator("input.select2-input")
        search.click()
    else:
        container.click()
        search = page.locator("#select2-drop input.select2-input")
    search.fill(query)
    page.locator("#select2-drop .select2-result-label", has_text=choice).first.click()
