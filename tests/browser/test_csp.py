"""The Content-Security-Policy (DEBUG off, as deployed): every page sends it, and Chromium reports
no violation on the sign-in and sign-up pages, the studio's three pages, the account pages and
the admin's (index, clip list, clip, monitor, users)."""

import re

import pytest
from django.conf import settings

from audio.models import GeneratedAudioClip
from tests.factories import UserFactory, finish_clip, make_clip, request_clip, wav_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "a long and unusual passphrase 42"

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} ${e.sample || ""}`.trim());
});
"""


class CSPWatch:
    """Visits pages and collects CSP violations (the DOM event and the console's reports)."""

    def __init__(self, page, base: str):
        self.page, self.base = page, base
        self.console: list[str] = []
        page.add_init_script(WATCH_VIOLATIONS)
        page.on("console", lambda message: self.console.append(message.text))
        self.found: dict[str, list[str]] = {}

    def visit(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response.status == 200, (path, response.status)
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, (path, policy)
        self.page.wait_for_load_state("networkidle")
        self.collect(path)

    def collect(self, where: str) -> None:
        events = self.page.evaluate("window.__cspViolations.splice(0)")
        reports = [text for text in self.console if "Content Security Policy" in text or "Content-Security-Policy" in text]
        self.console.clear()
        if events or reports:
            self.found.setdefault(where, []).extend(events + reports)


@pytest.fixture
def staff(transactional_db):
    user = UserFactory(email="operator@example.com", password=PASSWORD, is_staff=True, is_superuser=True, credits=5000)
    finish_clip(request_clip(user, "styletts2", text="Hello there, operator.", voice="andreas"), wav_bytes(1.0))
    finish_clip(request_clip(user, "make-an-audio", prompt="rain on a tin roof", duration="2"), wav_bytes(2.0))
    make_clip(user, service="seedvc", status="failed", voice="woman", text=None)
    make_clip(user, service="styletts2", status="pending", text="Still waiting.")
    return user


@pytest.mark.django_db(transaction=True)
def test_every_page_works_under_the_policy(transactional_db, live_server, page, staff):
    assert settings.DEBUG is False
    watch = CSPWatch(page, live_server.url)

    for path in ("/", "/accounts/signup/", "/accounts/password/reset/", "/posts/", "/accounts/login/"):
        watch.visit(path)
    page.fill("input[name=login]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url(re.compile(r".*/app/text-to-speech/$"))
    watch.collect("sign-in")

    clip = GeneratedAudioClip.objects.filter(user=staff, service="styletts2").exclude(s3_key=None).get()
    for path in ("/app/text-to-speech/", "/app/voice-changer/", "/app/sound-effects/"):
        watch.visit(path)
        page.select_option("select[name=status]", "done")  # the history reloads in place
        page.wait_for_selector("[data-history] [data-clip]")
        watch.collect(f"{path} history")
    # The studio's script at work: a generation adds its row to the history in place.
    page.fill("textarea[name=prompt]", "thunder far away")
    page.click("[data-generate]")
    page.wait_for_selector(".history-list [data-clip][data-status=pending]")
    watch.collect("sound effects, generate")

    for path in ("/app/account/", "/accounts/email/", "/accounts/password/change/", "/posts/",
                 "/admin/", "/admin/audio/generatedaudioclip/", f"/admin/audio/generatedaudioclip/{clip.pk}/change/",
                 "/admin/audio/generatedaudioclip/monitor/", "/admin/accounts/user/",
                 f"/admin/accounts/user/{staff.pk}/change/", "/admin/accounts/outgoingmail/",
                 "/admin/credits/usagelog/", "/api/", "/admin/accounts/apikey/"):
        watch.visit(path)

    assert watch.found == {}
    assert page.errors == []


@pytest.mark.s3
@pytest.mark.django_db(transaction=True)
def test_audio_from_s3_plays_under_the_policy(transactional_db, live_server, chromium, client, s3_storage, settings):
    from elevenlabs_bernie.settings import content_security_policy

    settings.SECURE_CSP = content_security_policy()  # as built from the deployment's S3 variables
    user = UserFactory(credits=1000)
    clip = finish_clip(request_clip(user, "styletts2", text="Hello from the bucket.", voice="andreas"), wav_bytes(1.0))
    client.force_login(user)
    context = chromium.new_context()
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    page = context.new_page()
    watch = CSPWatch(page, live_server.url)

    watch.visit("/app/text-to-speech/")
    duration = page.evaluate("""(url) => new Promise((resolve) => {
        const audio = new Audio(url);
        audio.addEventListener("loadedmetadata", () => resolve(audio.duration));
        audio.addEventListener("error", () => resolve(-1));
    })""", f"/app/clips/{clip.id}/audio/")
    watch.collect("playing from S3")
    context.close()

    assert s3_storage["endpoint"] in " ".join(settings.SECURE_CSP["media-src"])
    assert duration == pytest.approx(1.0, abs=0.05)  # loaded through the presigned redirect
    assert watch.found == {}
