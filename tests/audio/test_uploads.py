"""Voice-changer uploads: checked by content and decoding; a rejected upload stores and charges nothing."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from audio import generation, services
from audio.models import GeneratedAudioClip
from credits.models import UsageLog
from tests.conftest import stored_files

from tests.factories import UserFactory, silent_wav, wav_bytes

UPLOADS = "seed-vc-audio-uploads"


def _post(client, name: str, data: bytes):
    return client.post("/app/voice-changer/", {"voice": "woman", "audio": SimpleUploadedFile(name, data, "audio/wav")},
                       follow=True)


@pytest.mark.django_db
class TestRejectedUploads:
    @pytest.mark.parametrize(
        ("name", "data", "says"),
        [
            ("page.wav", b"<!doctype html><html><body>hello</body></html>" * 20, "it looks like an HTML page"),
            ("empty.wav", b"", "The file is empty."),
            ("long.wav", silent_wav(6 * 60), "longer than 5 minutes"),
            ("huge.wav", b"RIFF" + b"\0" * (51 * 1024 * 1024), "the limit is 50 MB"),
        ],
        ids=["html-renamed-wav", "zero-bytes", "six-minutes", "51-megabytes"],
    )
    def test_is_refused_and_stores_and_charges_nothing(self, client, name, data, says):
        user = UserFactory(credits=1000)
        client.force_login(user)
        before = stored_files(UPLOADS)

        response = _post(client, name, data)

        assert says in response.content.decode()
        assert stored_files(UPLOADS) == before
        assert not GeneratedAudioClip.objects.exists() and not UsageLog.objects.exists()
        assert User.objects.get(pk=user.pk).credits == 1000

    def test_a_body_over_the_limit_is_refused_before_it_is_read(self, client, settings):
        settings.AUDIO_UPLOAD_MAX_BYTES = 1024 * 1024
        client.force_login(UserFactory())

        response = client.post("/app/voice-changer/", {"voice": "woman", "audio": SimpleUploadedFile("a.wav", b"0" * 2 * 1024 * 1024)},
                               headers={"accept": "application/json"})

        assert response.status_code == 413
        assert "limit is 1 MB" in response.json()["error"]


@pytest.mark.django_db
class TestAcceptedUpload:
    def test_stores_it_under_a_server_generated_key_and_converts_it(self, client):
        user = UserFactory(credits=1000)
        client.force_login(user)

        _post(client, "My Holiday Recording (final).wav", wav_bytes(1.5))

        clip = GeneratedAudioClip.objects.get()
        assert re.fullmatch(rf"{UPLOADS}/[0-9a-f-]{{36}}\.wav", clip.original_voice_s3_key)
        assert "Holiday" not in clip.original_voice_s3_key
        assert User.objects.get(pk=user.pk).credits == 950
        generation.clip_generate(clip_id=clip.id)
        clip.refresh_from_db()
        assert clip.status == "done", clip.error
        assert clip.s3_key.startswith("seedvc-outputs/")

    def test_the_form_requires_a_csrf_token(self, db):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(UserFactory())

        response = client.post("/app/voice-changer/", {"voice": "woman", "audio": SimpleUploadedFile("a.wav", wav_bytes(0.5))})

        assert response.status_code == 403
        assert not GeneratedAudioClip.objects.exists()


def _tone_at(sample_rate: int, seconds: float = 2.0) -> bytes:
    """A real WAV file at a sample rate too low for Praat to analyse (it raises "Analysis
    window too short")."""
    import io

    import numpy as np
    import soundfile

    t = np.arange(int(sample_rate * seconds)) / sample_rate
    buffer = io.BytesIO()
    soundfile.write(buffer, 0.5 * np.sin(2 * np.pi * sample_rate / 4 * t), sample_rate, format="WAV")
    return buffer.getvalue()


@pytest.mark.django_db
class TestAnUploadTheEngineCannotConvert:
    def test_fails_in_plain_words_is_refunded_and_the_detail_is_logged(self, client, caplog):
        from audio.engines.praat_vc import CANNOT_CONVERT

        user = UserFactory(credits=1000)
        client.force_login(user)
        _post(client, "low.wav", _tone_at(50))
        clip = GeneratedAudioClip.objects.get()

        with caplog.at_level("INFO", logger="audio.generation"):
            generation.clip_generate(clip_id=clip.id)

        payload = client.get(f"/app/clips/{clip.id}/").json()
        assert payload["status"] == "failed"
        assert payload["error"] == CANNOT_CONVERT
        assert User.objects.get(pk=user.pk).credits == 1000
        assert f"clip {clip.id} refused by the praat engine" in caplog.text
        assert "Analysis window too short" in caplog.text  # the traceback of the cause
