"""Status, audio delivery and delete: owner only, Range requests, sensible filenames."""

import re

import pytest
from django.core.files.storage import default_storage

from audio import services
from audio.models import GeneratedAudioClip
from credits.models import UsageLog

from tests.factories import UserFactory, finish_clip, request_clip, wav_bytes


@pytest.fixture
def done_clip(db):
    user = UserFactory(credits=1000)
    clip = request_clip(user, "styletts2", text="Hello world, how are you?", voice="andreas")
    finish_clip(clip, wav_bytes(1.0))
    return clip


@pytest.mark.django_db
class TestOwnership:
    def test_another_user_gets_404_for_status_audio_history_row_and_delete(self, client, done_clip):
        client.force_login(UserFactory())

        responses = [
            client.get(f"/app/clips/{done_clip.id}/"),
            client.get(f"/app/clips/{done_clip.id}/audio/"),
            client.get(f"/app/clips/{done_clip.id}/audio/?download=1"),
            client.get(f"/app/text-to-speech/?partial=row&clip={done_clip.id}"),
            client.post(f"/app/clips/{done_clip.id}/delete/"),
        ]

        assert [r.status_code for r in responses] == [404] * 5
        assert GeneratedAudioClip.objects.filter(pk=done_clip.pk).exists()
        assert done_clip.id not in client.get("/app/text-to-speech/").content.decode()

    def test_logged_out_visitors_are_sent_to_login_and_back(self, client, done_clip):
        for path in ("/app/text-to-speech/", "/app/voice-changer/", "/app/sound-effects/",
                     f"/app/clips/{done_clip.id}/", f"/app/clips/{done_clip.id}/audio/"):
            response = client.get(path)

            assert response.status_code == 302
            assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.django_db
class TestStatus:
    def test_reports_done_with_an_audio_url(self, client, done_clip):
        client.force_login(done_clip.user)

        payload = client.get(f"/app/clips/{done_clip.id}/").json()

        assert payload["id"] == done_clip.id and payload["service"] == "styletts2"
        assert payload["status"] == "done" and payload["error"] is None
        assert payload["audio_url"] == f"/app/clips/{done_clip.id}/audio/"
        assert payload["credits"] == 950 and payload["duration"] == pytest.approx(1.0)


@pytest.mark.django_db
class TestLocalAudio:
    def test_streams_the_whole_file(self, client, done_clip):
        client.force_login(done_clip.user)

        response = client.get(f"/app/clips/{done_clip.id}/audio/")

        body = b"".join(response.streaming_content)
        assert response.status_code == 200
        assert response["Content-Type"] == "audio/wav" and response["Accept-Ranges"] == "bytes"
        assert body == default_storage.open(done_clip.s3_key).read()
        assert response["Content-Disposition"].startswith("inline;")

    def test_answers_a_range_request_with_206(self, client, done_clip):
        client.force_login(done_clip.user)
        size = default_storage.size(done_clip.s3_key)

        part = client.get(f"/app/clips/{done_clip.id}/audio/", headers={"range": "bytes=100-199"})
        tail = client.get(f"/app/clips/{done_clip.id}/audio/", headers={"range": "bytes=-10"})
        beyond = client.get(f"/app/clips/{done_clip.id}/audio/", headers={"range": f"bytes={size}-"})

        assert part.status_code == 206
        assert part["Content-Range"] == f"bytes 100-199/{size}" and part["Content-Length"] == "100"
        assert b"".join(part.streaming_content) == default_storage.open(done_clip.s3_key).read()[100:200]
        assert tail.status_code == 206 and tail["Content-Range"] == f"bytes {size - 10}-{size - 1}/{size}"
        assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{size}"

    @pytest.mark.parametrize("headers", [{}, {"range": "bytes=100-199"}, {"range": "bytes=-10"}, {"range": "bytes=999999-"}],
                             ids=["whole", "range", "suffix", "unsatisfiable"])
    def test_head_answers_like_get_without_a_body(self, client, done_clip, headers):
        from django.test import RequestFactory

        from audio.views import clip_audio

        url = f"/app/clips/{done_clip.id}/audio/"
        compared = ("Content-Type", "Content-Length", "Accept-Ranges", "Content-Range", "Content-Disposition", "Cache-Control")

        def as_built(method):  # the view's own response, before a server or the test client drops a body
            request = getattr(RequestFactory(), method)(url, headers=headers)
            request.user = done_clip.user
            return clip_audio(request, done_clip.id)

        get, head = as_built("get"), as_built("head")
        client.force_login(done_clip.user)

        assert head.status_code == get.status_code == client.head(url, headers=headers).status_code
        assert [head.get(h) for h in compared] == [get.get(h) for h in compared]
        assert not head.streaming and head.content == b""
        if get.status_code != 416:
            assert get.streaming and int(get["Content-Length"]) == len(b"".join(get.streaming_content)) > 0

    def test_absurd_range_numbers_get_the_whole_file_not_an_error(self, client, done_clip):
        client.force_login(done_clip.user)

        for header in ("bytes=" + "9" * 5000 + "-", "bytes=-" + "9" * 5000, "bytes=0-" + "9" * 5000):
            response = client.get(f"/app/clips/{done_clip.id}/audio/", headers={"range": header})
            assert response.status_code == 200

    def test_an_absurd_history_page_is_an_empty_page_not_an_error(self, client, done_clip):
        client.force_login(done_clip.user)

        response = client.get("/app/text-to-speech/", {"page": "9" * 30})

        assert response.status_code == 200

    def test_download_is_an_attachment_with_a_sensible_name(self, client, done_clip):
        client.force_login(done_clip.user)

        response = client.get(f"/app/clips/{done_clip.id}/audio/?download=1")

        assert re.match(r'attachment; filename="tts-andreas-\d{4}-\d\d-\d\d-\d{4}\.wav"', response["Content-Disposition"])

    def test_a_pending_clip_has_no_audio_yet(self, client, db):
        user = UserFactory()
        clip = request_clip(user, "make-an-audio", prompt="wind")
        client.force_login(user)

        assert client.get(f"/app/clips/{clip.id}/audio/").status_code == 404
        assert client.get(f"/app/clips/{clip.id}/").json()["status"] == "pending"


@pytest.mark.django_db
class TestDelete:
    def test_deletes_the_row_and_the_file_and_keeps_the_ledger(self, client, done_clip):
        client.force_login(done_clip.user)
        key = done_clip.s3_key

        response = client.post(f"/app/clips/{done_clip.id}/delete/", follow=True)

        assert "Clip deleted." in response.content.decode()
        assert not GeneratedAudioClip.objects.filter(pk=done_clip.pk).exists()
        assert not default_storage.exists(key)
        log = UsageLog.objects.get(user=done_clip.user)
        assert log.credits == -50 and log.clip_id is None

    def test_needs_post(self, client, done_clip):
        client.force_login(done_clip.user)

        assert client.get(f"/app/clips/{done_clip.id}/delete/").status_code == 405

    def test_refuses_a_clip_still_generating(self, client, db):
        user = UserFactory()
        clip = request_clip(user, "make-an-audio", prompt="wind")
        client.force_login(user)

        client.post(f"/app/clips/{clip.id}/delete/")

        assert GeneratedAudioClip.objects.filter(pk=clip.pk).exists()
