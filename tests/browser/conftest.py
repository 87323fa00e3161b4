import json
import os
import subprocess
from pathlib import Path

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


# -- shared by the studio's feature tests: one browser per module, logged-in pages, axe-core ---

AXE_VERSION = "4.14.1"  # from the npm registry, into a folder outside git (.cache/), never vendored
AXE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "npm-axe"


@pytest.fixture(scope="session")
def axe_script():
    """The path of axe-core's axe.min.js, installed with npm on first use (fails under CI if
    npm is missing, skips elsewhere)."""
    path = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    installed = AXE_DIR / "node_modules" / "axe-core" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != AXE_VERSION:
        npm = require_tool("npm", "npm (apt-get install -y npm)")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR),
                        f"axe-core@{AXE_VERSION}"], check=True, capture_output=True, timeout=300)
    return path


@pytest.fixture(scope="module")
def fake_microphone(tmp_path_factory):
    """A voiced test tone Chromium's fake capture device plays as the microphone."""
    from tests.factories import wav_bytes

    path = tmp_path_factory.mktemp("microphone") / "voice.wav"
    path.write_bytes(wav_bytes(6.0, rate=48000, freq=150.0))
    return path


@pytest.fixture(scope="module")
def studio_browser(fake_microphone):
    """One headless Chromium for a whole test module, with a fake microphone and no permission
    prompts. (See `chromium` on why Django's async-safety check is relaxed meanwhile.)"""
    path = require_tool(CHROMIUM, f"Chromium ({CHROMIUM}; apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=path,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--autoplay-policy=no-user-gesture-required", "--use-fake-device-for-media-stream",
                      "--use-fake-ui-for-media-stream", f"--use-file-for-fake-audio-capture={fake_microphone}"],
            )
            yield browser
            browser.close()


@pytest.fixture(scope="module")
def studio_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real worker process for the module (it only polls the task table, so the tests'
    flushes between them do not disturb it)."""
    from tests.support import Worker

    with django_db_blocker.unblock():
        process = Worker(tmp_path_factory.mktemp("worker") / "worker.log")
    yield process
    process.stop()


@pytest.fixture
def open_page(studio_browser, live_server):
    """open_page(user, width=1280, js=True): a page of the studio signed in as ``user``."""
    from django.conf import settings
    from django.test import Client

    contexts = []

    def open_(user, width=1280, *, js=True, color_scheme="light"):
        client = Client()
        client.force_login(user)
        context = studio_browser.new_context(viewport={"width": width, "height": 900 if width > 600 else 844},
                                             java_script_enabled=js, accept_downloads=True, color_scheme=color_scheme)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.base = live_server.url
        return page

    yield open_
    for context in contexts:
        context.close()
