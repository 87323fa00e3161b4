"""S3 mode against a real SeaweedFS server: keys, presigned URLs, expiry."""

import re
import time

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile

from audio import generation, services
from audio.models import GeneratedAudioClip

from tests.factories import UserFactory, wav_bytes

pytestmark = [pytest.mark.s3, pytest.mark.django_db]


def _objects(s3) -> list[str]:
    listing = s3["client"].list_objects_v2(Bucket=s3["bucket"])
    return [item["Key"] for item in listing.get("Contents", [])]


class TestS3Delivery:
    def test_generate_then_fetch_through_a_presigned_url_that_expires(self, client, s3_storage, settings):
        settings.AUDIO_URL_EXPIRE_SECONDS = 2
        user = UserFactory(credits=1000)
        client.force_login(user)

        client.post("/app/text-to-speech/", {"text": "Stored in the bucket.", "voice": "woman"})
        clip = GeneratedAudioClip.objects.get(user=user)
        generation.clip_generate(clip_id=clip.id)
        clip.refresh_from_db()
        redirect = client.get(f"/app/clips/{clip.id}/audio/")
        fetched = requests.get(redirect["Location"], timeout=10)
        time.sleep(3.5)
        expired = requests.get(redirect["Location"], timeout=10)

        assert clip.status == "done"
        assert re.fullmatch(r"styletts2-output/[0-9a-f-]{36}\.wav", clip.s3_key)
        assert clip.s3_key in _objects(s3_storage)
        assert redirect.status_code == 302 and "X-Amz-Expires=2" in redirect["Location"]
        assert fetched.status_code == 200 and fetched.content[:4] == b"RIFF"
        assert fetched.headers["Content-Type"] == "audio/wav"
        assert fetched.headers["Content-Disposition"].startswith('attachment; filename="tts-woman-')
        assert expired.status_code == 403

    def test_presigned_urls_live_at_most_five_minutes(self, client, s3_storage, settings):
        settings.AUDIO_URL_EXPIRE_SECONDS = 3600
        user = UserFactory()
        clip = GeneratedAudioClip.objects.create(user=user, service="styletts2", text="x", voice="joe",
                                                 s3_key="styletts2-output/none.wav")
        client.force_login(user)

        location = client.get(f"/app/clips/{clip.id}/audio/")["Location"]

        assert "X-Amz-Expires=300" in location

    def test_an_upload_gets_a_server_generated_key_without_the_users_file_name(self, client, s3_storage):
        user = UserFactory(credits=1000)
        client.force_login(user)

        client.post("/app/voice-changer/", {"voice": "woman", "audio": SimpleUploadedFile("../../etc/passwd my name.wav", wav_bytes(1.0))})

        clip = GeneratedAudioClip.objects.get(user=user)
        assert re.fullmatch(r"seed-vc-audio-uploads/[0-9a-f-]{36}\.wav", clip.original_voice_s3_key)
        assert clip.original_voice_s3_key in _objects(s3_storage)
        assert not any("passwd" in key or "name" in key for key in _objects(s3_storage))

    def test_a_rejected_upload_stores_nothing_in_the_bucket(self, client, s3_storage):
        client.force_login(UserFactory(credits=1000))
        before = _objects(s3_storage)

        client.post("/app/voice-changer/", {"voice": "woman", "audio": SimpleUploadedFile("x.wav", b"<html>no</html>")})

        assert _objects(s3_storage) == before
        assert not GeneratedAudioClip.objects.exists()
