"""End-to-end fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

The browser is the one `scripts/ensure-chromium` installs (/usr/bin/chromium); Playwright never downloads its own.
Every test gets a fresh browser context at 1366×768 and fails on any console error (a CSP violation, a
missing static file, a script error). Screenshots go to $E2E_ARTIFACTS (default artifacts/e2e/) for people to
look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1366, "height": 768}
# Screenshots go here: E2E_ARTIFACTS when set (CI keeps that directory), else artifacts/e2e/ in the checkout.
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS") or Path(settings.BASE_DIR) / "artifacts" / "e2e")
CJK = re.compile(r"[\u4e00-\u9fff]")


def pytest_collection_modifyitems(items):
    # One browser at a time on a 2-core machine: every e2e test runs on the same xdist worker.
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("e2e"))


@pytest.fixture
def browser():
    """A fresh Chromium per test, its Playwright stopped before the test's database teardown.

    Playwright's sync API keeps an asyncio loop running in this thread while it is started, and Django then
    hands this thread a different connection object. Kept for a whole session, that would leak into every
    later test on the worker (outside their transactions and serialized rollbacks), so it lives per test.
    The tests are transactional with serialized_rollback, like every other transactional test here: the
    reference data is restored before each (at setup, before this fixture starts the loop).
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium (make test does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--lang=zh-CN"])
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()  # the connections opened while the loop ran


class Shots:
    """Numbered screenshots of one test under artifacts/e2e/<test>/."""

    def __init__(self, name: str):
        self.dir = ARTIFACTS / re.sub(r"[^\w.-]+", "_", name)
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*.png"):
            old.unlink()
        self.n = 0

    def __call__(self, page, label: str, *, full_page: bool = False) -> Path:
        self.n += 1
        path = self.dir / f"{self.n:02d}-{label}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def shot(request):
    return Shots(request.node.name)


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def go(page, path: str):
    response = page.goto(page.base_url + path)
    assert response is not None and response.status < 400, f"{path}: HTTP {response and response.status}"
    return response


def login(page, username: str, password: str):
    go(page, "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def logout(page):
    page.click("header form button.link")
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))


def assert_chinese_page(page):
    """Every page: a Chinese <title>, the navigation, a heading, and nothing wider than the window."""
    # A click on a link returns once the navigation commits, before the new document is parsed.
    page.wait_for_load_state()
    title = page.title()
    assert CJK.search(title), f"{page.url}: title {title!r} is not Chinese"
    assert page.locator("nav.main-nav a[data-nav=home]").count() == 1, f"{page.url}: no navigation"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url}: {overflow}px wider than 1366"


def nav_labels(page) -> list[str]:
    return [t.strip() for t in page.locator("nav.main-nav a").all_inner_texts()]
