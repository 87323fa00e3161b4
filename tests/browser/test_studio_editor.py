"""The editor in Chromium at desktop and phone widths: voice settings, Reuse, Regenerate, the
MP3 download, the keyboard, refused input and running out of credits."""

import io

import pytest
import soundfile

from audio.models import GeneratedAudioClip
from credits.models import UsageLog
from tests.browser.helpers import WIDTHS, click, focus_is_somewhere, set_range, wait_done, wait_js
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TEXT = "The quick brown fox jumps over the lazy dog, and then it rests for a while."


@pytest.mark.parametrize("width", WIDTHS)
def test_settings_change_the_clip_reuse_regenerate_and_download_mp3(open_page, studio_worker, width, tmp_path):
    user = UserFactory(credits=1000)
    page = open_page(user, width)
    page.goto(f"{page.base}/app/text-to-speech/")

    # Nothing loaded: no play bar. On a phone the voice picker sits above Generate.
    assert page.locator("[data-player]").is_hidden()
    picker, button = page.locator(".voice-picker").bounding_box(), page.locator("[data-generate]").bounding_box()
    assert picker["y"] + picker["height"] <= button["y"]
    history = page.locator("#history").bounding_box()
    assert (history["y"] > button["y"]) if width < 600 else (history["x"] > button["x"])

    # Ctrl+Enter generates at the normal speed; focus stays on the page, not on <body>.
    page.fill("#tts-text", TEXT)
    page.check("input[name=voice][value=woman]")
    page.focus("#tts-text")
    page.keyboard.press("Control+Enter")
    wait_done(page, 1)
    assert page.locator("[data-player]").is_visible()
    assert focus_is_somewhere(page)

    # Half the speed makes a longer clip of the same text; Generate keeps the focus.
    set_range(page, "#set-speed", 0.5)
    assert page.text_content("output[for=set-speed]") == "0.5"
    click(page, "[data-generate]")
    assert page.evaluate("document.activeElement.matches('[data-generate]')")
    wait_done(page, 2)
    fast, slow = GeneratedAudioClip.objects.filter(user=user).order_by("created_at")
    assert fast.params["speed"] == 1.0 and slow.params["speed"] == 0.5
    assert slow.duration_seconds > fast.duration_seconds * 1.5
    assert "Speed 0.5×" in page.text_content(f"#clip-{slow.id}")

    # Reuse puts the first clip's text, voice and settings back.
    page.fill("#tts-text", "")
    page.check("input[name=voice][value=joe]")
    click(page, f"#clip-{fast.id} [data-reuse]")
    wait_js(page, "document.querySelector('#tts-text').value.length > 0")
    assert page.input_value("#tts-text") == TEXT
    assert page.is_checked("input[name=voice][value=woman]") and page.input_value("#set-speed") == "1"

    # The last voice and settings used are the defaults after a reload; the text is not kept.
    page.reload()
    assert page.is_checked("input[name=voice][value=woman]") and page.input_value("#set-speed") == "0.5"
    assert page.input_value("#tts-text") == ""

    # Regenerate adds a row, charged once.
    credits = user.__class__.objects.get(pk=user.pk).credits
    click(page, f"#clip-{slow.id} [data-action=regenerate]")
    wait_done(page, 3)
    new = GeneratedAudioClip.objects.filter(user=user).order_by("-created_at").first()
    assert new.pk not in (fast.pk, slow.pk) and new.params == slow.params
    assert user.__class__.objects.get(pk=user.pk).credits == credits - 50
    assert UsageLog.objects.filter(clip=new).count() == 1
    assert page.text_content("[data-credits]").strip() == f"{credits - 50:,}"

    # The MP3 download decodes and lasts as long as the WAV.
    with page.expect_download() as info:
        click(page, f"#clip-{fast.id} a[href*='format=mp3']")
    mp3 = tmp_path / "clip.mp3"
    info.value.save_as(mp3)
    samples, rate = soundfile.read(io.BytesIO(mp3.read_bytes()))
    assert info.value.suggested_filename.endswith(".mp3")
    assert abs(len(samples) / rate - fast.duration_seconds) <= 0.1

    # Space plays or pauses when the focus is not in a field.
    page.evaluate("document.activeElement.blur()")
    paused = page.evaluate("document.querySelector('[data-player-audio]').paused")
    page.keyboard.press("Space")
    wait_js(page, "p => document.querySelector('[data-player-audio]').paused !== p", paused)
    assert page.errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_refused_input_stays_until_changed_and_never_comes_back(open_page, studio_worker, width):
    user = UserFactory(credits=1000)
    page = open_page(user, width)
    page.goto(f"{page.base}/app/sound-effects/")

    page.fill("#sfx-prompt", "a unicorn singing opera")
    page.click("[data-generate]")
    error = page.locator("[data-error-for=prompt]")
    error.wait_for()
    assert "does not know how to make" in error.text_content()
    assert page.get_attribute("#sfx-prompt", "aria-invalid") == "true"
    page.type("#sfx-prompt", " loudly")
    assert error.is_hidden()

    # The box says the length in the description is the one used.
    page.fill("#sfx-prompt", "light rain, near, 4 seconds")
    assert "Taken from the description: 4 s" in page.text_content("[data-duration-help]")
    page.click("[data-generate]")
    wait_done(page, 1)
    assert GeneratedAudioClip.objects.get(user=user).duration_seconds == pytest.approx(4.0, abs=0.05)

    page.reload()
    assert page.input_value("#sfx-prompt") == ""
    assert "unicorn" not in page.content()

    # Text to speech: an error goes when the text changes; a long paste is not cut.
    page.goto(f"{page.base}/app/text-to-speech/")
    page.fill("#tts-text", "   ")
    page.click("[data-generate]")
    page.locator("[data-error-for=text]").wait_for()
    assert page.text_content("[data-error-for=text]") == "Enter some text to speak."
    page.type("#tts-text", "Hi")
    assert page.locator("[data-error-for=text]").is_hidden()
    page.fill("#tts-text", "x" * 5000)
    assert "counter-over" not in page.get_attribute("[data-counter]", "class")
    page.fill("#tts-text", "x" * 5001)
    assert "counter-over" in page.get_attribute("[data-counter]", "class")
    assert len(page.input_value("#tts-text")) == 5001
    assert "1 over the limit of 5,000" in page.text_content("[data-error-for=text]")
    page.click("[data-generate]")
    assert GeneratedAudioClip.objects.filter(user=user).count() == 1
    assert page.errors == []


def test_running_out_of_credits_is_said_in_words(open_page, studio_worker):
    user = UserFactory(credits=60)
    page = open_page(user, 1280)
    page.goto(f"{page.base}/app/text-to-speech/")

    page.fill("#tts-text", "The last clip I can pay for.")
    page.click("[data-generate]")
    wait_done(page, 1)

    status = page.text_content("[data-form-status]")
    assert "Your clip is ready." in status
    assert "You have 10 credits left and a clip costs 50, so you cannot make another one." in status
    assert page.get_attribute("[data-generate]", "aria-disabled") == "true"
    assert focus_is_somewhere(page)
    assert page.text_content("[data-credits]").strip() == "10"


def test_a_failure_reason_is_one_sentence(open_page):
    page = open_page(UserFactory(), 1280)
    page.goto(f"{page.base}/app/text-to-speech/")

    joined = page.evaluate("""import('/static/js/history.js').then(m =>
        [m.sentence('No voice in this recording.'), m.sentence('No voice in this recording')])""")

    assert joined == ["No voice in this recording.", "No voice in this recording."]
