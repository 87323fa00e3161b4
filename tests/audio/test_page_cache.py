"""The studio page kept per process (audio/page_cache.py) is never served once what it shows
has changed, never to anyone but its user, and always with the request's own CSRF token."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audio import generation, page_cache, services
from audio.models import GeneratedAudioClip
from credits import services as credits
from tests.factories import UserFactory, finish_clip, make_clip, request_clip

pytestmark = pytest.mark.django_db

PAGE = "/app/text-to-speech/"


@pytest.fixture(autouse=True)
def cold():
    page_cache.clear()
    yield
    page_cache.clear()


def clip_selects(client) -> tuple[str, int]:
    """The page's HTML, and how many times it read the clips table to make it."""
    with CaptureQueriesContext(connection) as queries:
        html = client.get(PAGE).content.decode()
    return html, len([q for q in queries if "audio_generatedaudioclip" in q["sql"]])


def signed_in(client, **fields):
    user = UserFactory(**fields)
    client.force_login(user)
    return user


class TestServedAsKept:
    def test_a_second_visit_reads_no_clip_and_shows_the_same_page(self, client):
        user = signed_in(client)
        make_clip(user, text="First postcard.")
        first, reads = clip_selects(client)
        again, reads_again = clip_selects(client)
        assert reads >= 1 and reads_again == 0
        token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
        assert token.sub("", first) == token.sub("", again)
        assert "First postcard." in again


class TestNeverStale:
    def test_a_new_clip_shows_at_once(self, client, django_capture_on_commit_callbacks):
        user = signed_in(client)
        clip_selects(client)
        with django_capture_on_commit_callbacks(execute=False):
            request_clip(user, "styletts2", text="A brand new clip.", voice="andreas")
        html, reads = clip_selects(client)
        assert reads >= 1 and "A brand new clip." in html

    def test_a_finished_failed_or_deleted_clip_shows_as_it_is_now(self, client, settings, tmp_path):
        settings.MEDIA_ROOT = str(tmp_path / "media")
        user = signed_in(client)
        pending = make_clip(user, status="pending", text="Still making this one.")
        other = make_clip(user, status="pending", text="This one will fail.")
        gone = make_clip(user, text="Soon deleted.")
        assert 'data-status="pending"' in clip_selects(client)[0]

        finish_clip(pending)  # the worker's conditional UPDATE
        generation.clip_fail(clip_id=other.id, error="The engine gave up.")
        html, reads = clip_selects(client)
        assert reads >= 1 and 'data-status="pending"' not in html and "The engine gave up." in html

        clip_selects(client)  # kept now
        services.clips_delete(clips=user.clips.filter(pk=gone.pk))
        html, reads = clip_selects(client)
        assert reads >= 1 and "Soon deleted." not in html

        clip_selects(client)
        GeneratedAudioClip.objects.get(pk=pending.pk).delete()  # one model instance
        assert "Still making this one." not in clip_selects(client)[0]

    def test_a_changed_balance_shows_at_once(self, client):
        user = signed_in(client, credits=60)
        assert "You need" not in clip_selects(client)[0]
        credits.adjust(user_id=user.pk, amount=-20, note="test")
        assert "You need 50 credits for a clip and have 40." in clip_selects(client)[0]

    def test_a_page_with_a_clip_in_progress_is_made_fresh_each_time(self, client):
        user = signed_in(client)
        make_clip(user, status="pending")
        clip_selects(client)
        assert clip_selects(client)[1] >= 1


class TestOneUserOneToken:
    def test_another_user_gets_their_own_page(self, client):
        alice = signed_in(client)
        make_clip(alice, text="Secret text of Alice.")
        assert "Secret text of Alice." in clip_selects(client)[0]
        signed_in(client)
        html, reads = clip_selects(client)
        assert reads >= 1 and "Secret text of Alice." not in html

    def test_each_response_carries_its_own_working_csrf_token(self, client, django_capture_on_commit_callbacks):
        from django.test import Client

        browser = Client(enforce_csrf_checks=True)
        user = UserFactory()
        browser.force_login(user)
        tokens = []
        for _ in range(2):
            html = browser.get(PAGE).content.decode()
            assert page_cache.CSRF_TOKEN not in html
            found = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
            assert len(found) == 1  # the studio's forms and the sign-out form
            tokens.append(found.pop())
        assert tokens[0] != tokens[1]  # masked afresh, although the page was kept
        with django_capture_on_commit_callbacks(execute=False):
            answer = browser.post(PAGE, {"text": "Posted with a kept page's token.", "voice": "andreas",
                                         "csrfmiddlewaretoken": tokens[1]})
        assert answer.status_code == 302
        assert user.clips.filter(text="Posted with a kept page's token.").exists()

    def test_a_refused_submission_is_shown_once_not_a_kept_page(self, client):
        signed_in(client)
        clip_selects(client)
        client.post(PAGE, {"text": "x" * 6000, "voice": "andreas"})
        assert "x" * 6000 in client.get(PAGE).content.decode()


class TestMessages:
    def test_a_page_with_a_message_to_show_is_made_fresh_and_shows_it_once(self, client, settings, tmp_path):
        settings.MEDIA_ROOT = str(tmp_path / "media")
        user = signed_in(client)
        clip = make_clip(user, text="To be deleted.")
        make_clip(user, text="Kept.")
        clip_selects(client)
        client.post(f"/app/clips/{clip.id}/delete/")  # no JavaScript: redirect with "Clip deleted."
        shown, reads = clip_selects(client)
        assert reads >= 1 and "Clip deleted." in shown
        assert "Clip deleted." not in clip_selects(client)[0]
