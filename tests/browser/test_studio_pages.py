"""Every studio page at 1280 and 390 px: axe-core finds no WCAG 2.1 AA violation, nothing
scrolls sideways with or without JavaScript, and without JavaScript the page still works."""

import pytest

from audio.models import GeneratedAudioClip
from tests.browser.helpers import WIDTHS, horizontal_overflow
from tests.factories import UserFactory, finish_clip, make_clip, request_clip, wav_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PAGES = ["text-to-speech", "voice-changer", "sound-effects"]
LONG = "Supercalifragilisticexpialidocious-and-an-unbroken-word-that-goes-on-and-on " * 3


def user_with_history():
    user = UserFactory(credits=1000)
    finish_clip(request_clip(user, "styletts2", text=LONG, voice="woman"), wav_bytes(1.0))
    make_clip(user, status="failed", text="A failed one.", error="We could not find a voice in this recording.")
    request_clip(user, "styletts2", text="Still queued.", voice="joe")
    finish_clip(request_clip(user, "make-an-audio", prompt="light rain, near, 3 seconds"), wav_bytes(1.0))
    make_clip(user, service="seedvc", text=None, voice="woman", params={"source_name": "a_very_long_file_name_" * 4 + ".wav"})
    return user


def axe_violations(page, axe_script) -> list[str]:
    # Evaluated through the DevTools protocol: the page's CSP rightly refuses an injected <script>.
    page.evaluate(axe_script.read_text(encoding="utf-8"))
    result = page.evaluate("""() => axe.run(document, { runOnly: { type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })""")
    return [f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})" for v in result["violations"]]


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_wcag_21_aa_violation_and_nothing_scrolls_sideways(open_page, axe_script, width):
    page = open_page(user_with_history(), width)

    for slug in PAGES:
        page.goto(f"{page.base}/app/{slug}/")
        page.wait_for_load_state("networkidle")

        assert axe_violations(page, axe_script) == [], slug
        assert horizontal_overflow(page) == 0, slug
    if width < 600:  # the menu opens and is checked too
        page.click("label[for=nav-toggle]")
        assert page.locator(".nav-body a[aria-current=page]").is_visible()
        assert axe_violations(page, axe_script) == []
    assert page.errors == []


def test_axe_finds_no_violation_in_the_dark_colour_scheme_either(open_page, axe_script):
    page = open_page(user_with_history(), 1280, color_scheme="dark")

    for slug in PAGES:
        page.goto(f"{page.base}/app/{slug}/")
        page.wait_for_load_state("networkidle")

        assert axe_violations(page, axe_script) == [], slug


@pytest.mark.parametrize("width", WIDTHS)
def test_without_javascript_nothing_overflows_and_no_dead_play_bar(open_page, width):
    page = open_page(user_with_history(), width, js=False)

    for slug in PAGES:
        page.goto(f"{page.base}/app/{slug}/")

        assert horizontal_overflow(page) == 0, slug
        assert page.locator("[data-player]").is_hidden(), slug
        boxes = page.eval_on_selector_all(
            ".voice-option, .clip", "els => els.map(e => [e.getBoundingClientRect().right, e.parentElement.closest('.card').getBoundingClientRect().right])")
        assert all(right <= card + 0.5 for right, card in boxes), slug
        generate = page.locator("[data-generate]").bounding_box()
        assert generate["x"] + generate["width"] <= width


def test_without_javascript_a_refused_prompt_shows_once_and_never_comes_back(open_page):
    user = UserFactory(credits=1000)
    page = open_page(user, 390, js=False)
    page.goto(f"{page.base}/app/sound-effects/")

    page.fill("#sfx-prompt", "a unicorn singing opera")
    page.click("[data-generate]")
    assert page.input_value("#sfx-prompt") == "a unicorn singing opera"
    assert "does not know how to make" in page.text_content(".messages")
    page.fill("#sfx-prompt", "wind, 2 seconds")
    page.click("[data-generate]")
    assert "Generating. 50 credits were taken" in page.text_content(".messages")
    page.reload()
    page.goto(f"{page.base}/app/sound-effects/")

    assert page.input_value("#sfx-prompt") == ""
    assert GeneratedAudioClip.objects.filter(user=user).count() == 1


def test_without_javascript_several_clips_are_deleted_after_a_confirmation(open_page):
    user = UserFactory(credits=1000)
    clips = [finish_clip(request_clip(user, "styletts2", text=f"Number {i}.", voice="joe"), wav_bytes(0.5)) for i in range(3)]
    page = open_page(user, 1280, js=False)
    page.goto(f"{page.base}/app/text-to-speech/")

    page.check(f"#clip-{clips[0].id} .clip-select")
    page.check(f"#clip-{clips[1].id} .clip-select")
    page.click("[data-bulk-delete]")
    assert "Delete 2 clips?" in page.text_content("h1")
    page.click("button[type=submit] >> text=Delete 2 clips")

    assert "Deleted 2 clips." in page.text_content(".messages")
    assert list(GeneratedAudioClip.objects.filter(user=user).values_list("id", flat=True)) == [clips[2].id]
