"""What the browser tests share: one Chromium per test module (Debian's, through
Playwright) and a logged-in user in its own context.

    from tests.browser import ARTIFACTS, Session, browser  # noqa: F401 (fixture)
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from workorders.demo import demo_password

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
CHROMIUM = {"executable_path": "/usr/bin/chromium",
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM
    # calls the tests (and the database teardown) make meanwhile are ordinary
    # synchronous code, which Django would otherwise refuse.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(**CHROMIUM)
            yield b
            b.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Session:
    """One user in one browser context (desktop unless told)."""

    def __init__(self, browser, live_server, username, *, viewport=DESKTOP):
        ARTIFACTS.mkdir(exist_ok=True)
        self.base = live_server.url
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.page.goto(self.base + "/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", demo_password())
        self.page.click("button[type=submit]")
        self.page.wait_for_url(self.base + "/")

    def go(self, path):
        self.page.goto(self.base + path)
        return self.page

    def shot(self, name, *, full=True, print_media=False):
        if print_media:
            self.page.emulate_media(media="print")
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)
        if print_media:
            self.page.emulate_media(media="screen")

    def close(self):
        assert not self.errors, self.errors
        self.context.close()
