import os

import pytest

from tests.support import require_tool

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture
def chromium(monkeypatch):
    """Headless Debian Chromium driven by Playwright (fails under CI if missing, skips elsewhere).

    Per test, not per session: Playwright's sync API keeps an event loop running in this
    thread while it is started, and Django refuses ORM calls beside a running loop. The
    tests' own ORM calls between browser steps are synchronous, so they are allowed for the
    duration of the test only (never in deployment)."""
    path = require_tool(CHROMIUM, f"Chromium ({CHROMIUM}; apt-get install -y chromium)")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--autoplay-policy=no-user-gesture-required"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    context.close()
