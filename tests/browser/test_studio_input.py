"""The voice changer's input in Chromium: a drop anywhere in the box, the file line, and a
recording from a (fake) microphone that becomes a clip."""

import base64

import pytest

from audio.models import GeneratedAudioClip
from tests.browser.helpers import click, wait_done, wait_js
from tests.factories import UserFactory, wav_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def drop_file(page, name: str, data: bytes, target: str) -> None:
    page.evaluate(
        """([name, b64, target]) => {
             const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
             const transfer = new DataTransfer();
             transfer.items.add(new File([bytes], name, { type: 'audio/wav' }));
             const element = document.querySelector(target);
             for (const type of ['dragenter', 'dragover', 'drop']) {
               element.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
             }
           }""",
        [name, base64.b64encode(data).decode(), target],
    )


def test_a_drop_on_the_hint_is_taken_and_the_file_line_says_each_thing_once(open_page):
    page = open_page(UserFactory(credits=1000), 390)
    page.goto(f"{page.base}/app/voice-changer/")

    for name in ("broken-1.wav", "broken-2.wav", "broken-3.wav"):
        page.set_input_files("input[name=audio]", {"name": name, "mimeType": "audio/wav", "buffer": b"not audio at all"})
    drop_file(page, "long_take.wav", wav_bytes(2.5), ".dropzone-hint")
    wait_js(page, "document.querySelector('[data-file-info]').textContent.endsWith(' s')")

    line = page.text_content("[data-file-info]")
    assert line.startswith("long_take.wav · ") and line.count(" s") == 1 and line.endswith("2.5 s")
    assert page.evaluate("document.querySelector('input[name=audio]').files[0].name") == "long_take.wav"
    assert page.errors == []


def test_a_recording_from_the_microphone_becomes_a_clip(open_page, studio_worker):
    user = UserFactory(credits=1000)
    page = open_page(user, 1280)
    page.goto(f"{page.base}/app/voice-changer/")

    click(page, "[data-record]")
    wait_js(page, "document.querySelector('[data-level]').value > 0.01")
    wait_js(page, "document.querySelector('[data-record-time]').textContent.startsWith('0:02')")
    click(page, "[data-record]")
    wait_js(page, "document.querySelector('[data-file-info]').textContent.endsWith(' s')")
    assert page.text_content("[data-record-time]").endswith("/ 5:00")
    page.check("input[name=voice][value=woman]")
    click(page, "[data-generate]")
    wait_done(page, 1)

    clip = GeneratedAudioClip.objects.get(user=user)
    assert clip.params["source_name"].startswith("recording-") and clip.params["source_name"].endswith(".wav")
    assert 1.5 < clip.duration_seconds < 4
    assert f"{clip.params['source_name']} → Woman" in page.text_content(f"#clip-{clip.id}")
    assert page.errors == []
