"""Defects found while reshaping the code (issue 8), each pinned by a test that failed before
its fix."""

import re
import time

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from accounts.models import User
from audio import generation, reaper, services, storage
from audio.models import GeneratedAudioClip
from credits.models import UsageLog
from tests.conftest import stored_files
from tests.factories import UserFactory, make_clip, request_clip, wav_bytes
from tests.support import run_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.mark.django_db(transaction=True)
class TestUploadsAreStoredBeforeTheCreditTransaction:
    def test_the_write_happens_outside_any_transaction(self, monkeypatch, media):
        user = UserFactory(credits=100)
        seen = []
        real_save = storage.save_bytes

        def save_and_note(key, data):
            seen.append(connection.in_atomic_block)
            return real_save(key, data)

        monkeypatch.setattr(storage, "save_bytes", save_and_note)

        request_clip(user, "seedvc", voice="woman", audio=wav_bytes(1.0))

        assert seen == [False]  # the user's row lock (on SQLite: the whole database) is not held

    def test_a_refused_charge_removes_the_stored_upload(self, media):
        user = UserFactory(credits=10)

        with pytest.raises(services.InsufficientCredits, match="Not enough credits"):
            request_clip(user, "seedvc", voice="woman", audio=wav_bytes(1.0))

        assert stored_files("seed-vc-audio-uploads") == []
        assert not GeneratedAudioClip.objects.exists() and not UsageLog.objects.exists()


@pytest.fixture
def broken_media(settings, tmp_path):
    """Local storage whose folder cannot exist (it sits under a file): every write fails, as a
    full or unmounted disk does. Returns a function that mends it."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = str(blocker / "media")

    def mend():
        settings.MEDIA_ROOT = str(tmp_path / "media")

    return mend


@pytest.mark.django_db(transaction=True)
class TestStorageFailuresAreRetriedThenRefunded:
    def test_a_storage_that_stays_down_fails_the_clip_and_refunds_once(self, broken_media, no_backoff, caplog):
        user = UserFactory(credits=1000)
        clip = request_clip(user, "make-an-audio", prompt="beep", duration=0.5)

        run_tasks()

        clip.refresh_from_db()
        assert clip.status == "failed" and clip.attempts == generation.MAX_ATTEMPTS
        assert clip.error == f"The audio storage was unavailable after {generation.MAX_ATTEMPTS} attempts. Try again later."
        assert User.objects.get(pk=user.pk).credits == 1000
        assert UsageLog.objects.filter(refund_of=clip).count() == 1
        assert "NotADirectoryError" in caplog.text and "not-a-folder" not in clip.error

    def test_a_storage_that_comes_back_completes_the_clip_charged_once(self, broken_media, monkeypatch):
        monkeypatch.setattr(generation, "RETRY_BACKOFF_SECONDS", (0.5, 0.5, 0.5))
        user = UserFactory(credits=1000)
        clip = request_clip(user, "make-an-audio", prompt="beep", duration=0.5)
        run_tasks()  # the first attempt meets the broken storage; the retry waits its backoff
        assert GeneratedAudioClip.objects.get(pk=clip.pk).attempts == 1

        broken_media()
        time.sleep(0.6)
        run_tasks()

        clip.refresh_from_db()
        assert clip.status == "done" and clip.attempts == 2 and default_storage.exists(clip.s3_key)
        assert User.objects.get(pk=user.pk).credits == 950
        assert not UsageLog.objects.filter(refund_of=clip).exists()


class TestTrueTexts:
    def test_a_reaped_clip_that_cost_nothing_does_not_say_credits_were_returned(self, client):
        user = UserFactory()
        imported = make_clip(user, status="pending", cost=0, started_at=timezone.now() - reaper.STUCK_AFTER * 2)
        client.force_login(user)

        reaper.reap()
        row = client.get(f"/app/text-to-speech/?partial=row&clip={imported.id}").content.decode()

        assert "worker stopped" in row
        assert "credits were returned" not in row.lower()

    def test_a_failure_message_reads_as_one_sentence_then_the_refund(self, client):
        user = UserFactory(credits=1000)
        clip = request_clip(user, "styletts2", text="Hello.", voice="joe")
        generation.clip_fail(clip_id=clip.id, error="We could not find a speaking voice in this recording.")
        client.force_login(user)

        row = client.get(f"/app/text-to-speech/?partial=row&clip={clip.id}").content.decode()

        assert "in this recording. Your 50 credits were returned." in row
        assert ".." not in re.sub(r"<[^>]+>", "", row)

    def test_the_landing_page_does_not_tell_visitors_they_have_no_posts(self, client):
        html = client.get("/").content.decode()

        assert "You have no posts" not in html and "No posts yet." in html

    def test_the_importer_names_only_hashers_that_exist(self):
        import legacy_import.prisma
        from accounts import hashers

        source = open(legacy_import.prisma.__file__).read()
        named = set(re.findall(r"accounts\.hashers\.(\w+)", source)) | set(re.findall(r"``(\w+PasswordHasher)``", source))

        assert named and all(hasattr(hashers, name) for name in named), named


class TestServiceNamesForPeople:
    def test_the_account_pages_credit_activity_names_services_as_people_do(self, client, media, django_capture_on_commit_callbacks):
        user = UserFactory()
        with django_capture_on_commit_callbacks(execute=False):  # charged, not run
            request_clip(user, "styletts2", text="Hello.", voice="andreas")
            request_clip(user, "seedvc", voice="woman", audio=wav_bytes(1.0))
            request_clip(user, "make-an-audio", prompt="light rain", duration=1.0)
        client.force_login(user)

        page = client.get("/app/account/").content.decode()

        for label in ("Text to speech", "Voice changer", "Sound effects"):
            assert f">{label}<" in page
        for internal in ("styletts2", "seedvc", "make-an-audio"):
            assert f">{internal}<" not in page
