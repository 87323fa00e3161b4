"""The history panel in Chromium at desktop and phone widths: filters, cancel, delete with
confirmation and undo, the loaded clip deleted, paging to the top of the new page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audio.models import GeneratedAudioClip
from credits.models import UsageLog
from tests.browser.helpers import WIDTHS, click, wait_js
from tests.factories import UserFactory, finish_clip, make_clip, request_clip, wav_bytes
from tests.support import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def visible_rows(page) -> list[str]:
    return page.eval_on_selector_all("[data-history] [data-clip]:not([hidden])", "rows => rows.map(r => r.dataset.clip)")


@pytest.mark.parametrize("width", WIDTHS)
def test_filters_cancel_and_delete_with_confirmation_and_undo(open_page, width):
    user = UserFactory(credits=1000)
    a, b, c = (finish_clip(request_clip(user, "styletts2", text=f"Clip {name} to keep or not.", voice=voice), wav_bytes(1.0))
               for name, voice in (("A", "joe"), ("B", "woman"), ("C", "woman")))
    failed = make_clip(user, status="failed", text="A clip that failed.", voice="joe", error="The engine gave up.")
    queued = request_clip(user, "styletts2", text="Waiting in the queue.", voice="joe")  # no worker: stays queued
    page = open_page(user, width)
    page.goto(f"{page.base}/app/text-to-speech/")

    # Filters: by status, then by voice.
    page.select_option("select[name=status]", "failed")
    wait_js(page, "document.querySelectorAll('[data-history] [data-clip]').length === 1")
    assert visible_rows(page) == [failed.id]
    assert "The engine gave up. Your 0 credits" not in page.text_content("[data-history]")
    page.select_option("select[name=status]", "")
    page.select_option("select[name=voice]", "woman")
    wait_js(page, "document.querySelectorAll('[data-history] [data-clip]').length === 2")
    assert sorted(visible_rows(page)) == sorted([b.id, c.id])
    assert "voice=woman" in page.url
    page.select_option("select[name=voice]", "")
    wait_js(page, "document.querySelectorAll('[data-history] [data-clip]').length === 5")

    # Cancel the queued clip: refunded once, and the row says so.
    click(page, f"#clip-{queued.id} [data-action=cancel]")
    page.wait_for_selector(f"#clip-{queued.id}[data-status=failed]")
    assert "Cancelled before it started. Your 50 credits were returned." in page.text_content(f"#clip-{queued.id}")
    again = page.evaluate("""url => fetch(url, {method: 'POST', headers: {'X-CSRFToken':
        document.querySelector('[data-actions-form] [name=csrfmiddlewaretoken]').value, Accept: 'application/json'}})
        .then(r => r.status)""", f"/app/clips/{queued.id}/cancel/")
    assert again == 409
    page.wait_for_timeout(1500)  # past the next status poll the page had scheduled for it
    assert "failed" not in (page.text_content("[data-form-status]") or "")
    assert "Cancelled. The credits were returned." in page.text_content("[data-form-status]")
    assert UsageLog.objects.filter(clip=queued, credits=50).count() == 1
    assert page.text_content("[data-credits]").strip() == f"{user.__class__.objects.get(pk=user.pk).credits:,}"

    # Play A, then delete it: the play bar lets it go; Undo brings the row back.
    click(page, f"#clip-{a.id} [data-play]")
    page.locator("[data-player]").wait_for()
    click(page, f"#clip-{a.id} [data-action=delete]")
    assert page.locator("[data-player]").is_hidden()
    assert a.id not in visible_rows(page)
    click(page, "[data-undo]")
    assert a.id in visible_rows(page)
    assert GeneratedAudioClip.objects.filter(pk=a.pk).exists()

    # Several at once: asked first, undone, then done for real (sent as the page is left).
    for clip in (b, c):
        page.check(f"#clip-{clip.id} .clip-select")
    assert "2 clips selected." in page.text_content("[data-selection-count]")
    click(page, "[data-bulk-delete]")
    assert "Delete 2 clips?" in page.text_content(".confirm-bar")
    click(page, "[data-confirm-delete]")
    assert b.id not in visible_rows(page) and c.id not in visible_rows(page)
    click(page, "[data-undo]")
    assert b.id in visible_rows(page) and c.id in visible_rows(page)
    for clip in (b, c):
        page.check(f"#clip-{clip.id} .clip-select")
    click(page, "[data-bulk-delete]")
    click(page, "[data-confirm-delete]")
    page.goto(f"{page.base}/app/sound-effects/")
    wait_for(lambda: not GeneratedAudioClip.objects.filter(pk__in=[b.pk, c.pk]).exists(), what="the deletes")
    assert set(GeneratedAudioClip.objects.filter(user=user).values_list("id", flat=True)) == {a.id, failed.id, queued.id}
    assert page.errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_older_lands_at_the_top_of_the_new_page(open_page, width):
    user = UserFactory()
    now = timezone.now()
    GeneratedAudioClip.objects.bulk_create(
        GeneratedAudioClip(user=user, service="styletts2", text=f"Clip number {i}", voice="joe", failed=True,
                           error="Old.", created_at=now - timedelta(minutes=i)) for i in range(55)
    )
    page = open_page(user, width)
    page.goto(f"{page.base}/app/text-to-speech/")

    click(page, "[data-history-page]")
    wait_js(page, "document.querySelector('[data-history] .clip-title').textContent.includes('Clip number 50')")

    top = page.evaluate("""() => { const row = document.querySelector('[data-history] [data-clip]').getBoundingClientRect();
                                   return [row.top, innerHeight, document.querySelector('#history').scrollTop]; }""")
    assert 0 <= top[0] < top[1] and top[2] == 0
    assert "before=" in page.url
    assert page.errors == []
