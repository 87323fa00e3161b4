"""A new user, in a real browser, makes all three kinds of audio and finds them again."""

import re

import pytest

from audio.models import GeneratedAudioClip
from tests.factories import wav_bytes
from tests.support import Worker

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "a long and unusual passphrase 42"


def wait_until_playable(page):
    page.wait_for_function(
        """() => { const a = document.querySelector('[data-player-audio]');
                   return a && a.error === null && Number.isFinite(a.duration) && a.duration > 0; }"""
    )
    return page.evaluate("document.querySelector('[data-player-audio]').duration")


def generate_and_wait(page):
    page.click("[data-generate]")
    page.wait_for_selector(".history-list [data-clip][data-status=done]")


@pytest.fixture
def worker(transactional_db, tmp_path):
    process = Worker(tmp_path / "worker.log")
    yield process
    process.stop()


@pytest.mark.django_db(transaction=True)
def test_sign_up_make_all_three_kinds_of_audio_find_them_again_and_log_out(transactional_db, live_server, worker, page, tmp_path):
    base = live_server.url

    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=email]", "new.user@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_url(re.compile(r".*/app/text-to-speech/$"))

    # Text to speech: the clip plays.
    page.fill("textarea[name=text]", "Hello from a real browser.")
    assert page.text_content("[data-counter]").strip().startswith("26 / 5000")
    generate_and_wait(page)
    duration = wait_until_playable(page)
    assert duration > 0.5
    assert page.text_content("[data-credits]").strip() == "9,950"

    # It is in the history after a reload, and the download works.
    page.reload()
    row = page.locator(".history-list [data-clip][data-status=done]")
    assert row.count() == 1
    assert "Hello from a real browser." in row.first.text_content()
    with page.expect_download() as download_info:
        row.first.locator("a[download][href$='audio/?download=1']").click()
    download = download_info.value
    assert re.fullmatch(r"tts-andreas-\d{4}-\d\d-\d\d-\d{4}\.wav", download.suggested_filename)
    assert (saved := tmp_path / "clip.wav") and download.save_as(saved) is None and saved.read_bytes()[:4] == b"RIFF"

    # Voice changer with an uploaded WAV.
    page.click("nav >> text=Voice Changer")
    page.set_input_files("input[name=audio]", {"name": "me.wav", "mimeType": "audio/wav", "buffer": wav_bytes(1.5)})
    page.check("input[name=voice][value=woman]")
    generate_and_wait(page)
    wait_until_playable(page)

    # A sound effect.
    page.click("nav >> text=Sound Effects")
    page.fill("textarea[name=prompt]", "rain on a tin roof")
    page.fill("input[name=duration]", "2")
    generate_and_wait(page)
    assert 1.5 < wait_until_playable(page) < 2.5

    clips = GeneratedAudioClip.objects.filter(user__email="new.user@example.com")
    assert sorted(clips.values_list("service", flat=True)) == ["make-an-audio", "seedvc", "styletts2"]
    assert all(clip.status == "done" for clip in clips)

    # Deleting the only sound effect (once its undo has passed) brings back the empty history's invitation.
    page.click(".history-list [data-clip] [data-action=delete]")
    page.wait_for_selector("[data-history] [data-history-empty]")
    assert "Nothing here yet" in page.text_content("[data-history]")
    assert page.locator("[data-history] [data-clip]").count() == 0
    assert page.errors == []

    # Log out; the studio asks for a login again.
    page.click("text=Sign out")
    page.wait_for_load_state()
    page.goto(f"{base}/app/text-to-speech/")
    assert "/accounts/login/" in page.url


@pytest.mark.django_db(transaction=True)
def test_the_form_works_without_javascript(transactional_db, live_server, chromium, client):
    from django.conf import settings

    from tests.factories import UserFactory, wav_bytes

    user = UserFactory(credits=100)
    client.force_login(user)
    context = chromium.new_context(java_script_enabled=False)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    page = context.new_page()

    page.goto(f"{live_server.url}/app/sound-effects/")
    page.fill("textarea[name=prompt]", "light rain, far away")
    page.click("[data-generate]")

    assert "Generating. 50 credits were taken" in page.text_content(".messages")
    assert page.locator("[data-clip][data-status=pending]").count() == 1
    assert page.text_content("[data-credits]").strip() == "50"
    context.close()
