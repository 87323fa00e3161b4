"""Downloads in MP3 or WAV: encoded on the way out, cached beside the WAV, owner only."""

import io

import pytest
import soundfile
from django.core.files.storage import default_storage

from audio import encoding, storage
from audio.models import GeneratedAudioClip
from tests.factories import UserFactory, finish_clip, request_clip, wav_bytes


@pytest.fixture
def done_clip(db):
    user = UserFactory(credits=1000)
    clip = request_clip(user, "styletts2", text="Hello world, how are you?", voice="andreas")
    return finish_clip(clip, wav_bytes(2.3, rate=22050))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
class TestMp3Download:
    def test_is_an_mp3_attachment_as_long_as_the_wav(self, client, done_clip):
        client.force_login(done_clip.user)

        response = client.get(f"/app/clips/{done_clip.id}/audio/?format=mp3&download=1")

        data = body(response)
        samples, rate = soundfile.read(io.BytesIO(data))
        assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
        assert data[:2] == b"\xff\xfb" and rate == 44100
        assert len(samples) / rate == pytest.approx(2.3, abs=0.1)
        assert response["Content-Disposition"].startswith('attachment; filename="tts-andreas-')
        assert response["Content-Disposition"].split(";")[1].strip().endswith('.mp3"')

    def test_is_encoded_once_and_kept_beside_the_wav(self, client, done_clip, monkeypatch):
        calls = []
        real = encoding.encode
        monkeypatch.setattr(encoding, "encode", lambda *args: calls.append(args) or real(*args))
        client.force_login(done_clip.user)

        first = body(client.get(f"/app/clips/{done_clip.id}/audio/?format=mp3"))
        second = body(client.get(f"/app/clips/{done_clip.id}/audio/?format=mp3"))

        assert len(calls) == 1 and first == second
        assert default_storage.exists(storage.encoded_key(done_clip.s3_key, "mp3"))
        assert storage.encoded_key(done_clip.s3_key, "mp3") == done_clip.s3_key[:-4] + ".mp3"

    def test_wav_is_the_stored_original(self, client, done_clip):
        client.force_login(done_clip.user)

        response = client.get(f"/app/clips/{done_clip.id}/audio/?format=wav&download=1")

        assert response["Content-Type"] == "audio/wav"
        assert body(response) == default_storage.open(done_clip.s3_key).read()

    def test_another_user_gets_404_and_nothing_is_encoded(self, client, done_clip):
        client.force_login(UserFactory())

        response = client.get(f"/app/clips/{done_clip.id}/audio/?format=mp3")

        assert response.status_code == 404
        assert not default_storage.exists(storage.encoded_key(done_clip.s3_key, "mp3"))

    def test_an_unknown_format_is_refused_in_words(self, client, done_clip):
        client.force_login(done_clip.user)

        response = client.get(f"/app/clips/{done_clip.id}/audio/?format=flac")

        assert response.status_code == 400 and response.json()["error"] == "The format must be mp3 or wav."

    def test_deleting_the_clip_deletes_the_cached_mp3(self, client, done_clip):
        client.force_login(done_clip.user)
        body(client.get(f"/app/clips/{done_clip.id}/audio/?format=mp3"))
        mp3 = storage.encoded_key(done_clip.s3_key, "mp3")

        client.post(f"/app/clips/{done_clip.id}/delete/")

        assert not GeneratedAudioClip.objects.filter(pk=done_clip.pk).exists()
        assert not default_storage.exists(mp3) and not default_storage.exists(done_clip.s3_key)


@pytest.mark.s3
@pytest.mark.django_db
def test_on_s3_the_mp3_is_cached_in_the_bucket_and_served_by_a_presigned_url(client, s3_storage):
    import requests

    done = finish_clip(request_clip(UserFactory(credits=1000), "styletts2", text="Stored.", voice="joe"),
                       wav_bytes(1.2, rate=22050))
    client.force_login(done.user)

    redirect = client.get(f"/app/clips/{done.id}/audio/?format=mp3&download=1")
    fetched = requests.get(redirect["Location"], timeout=10)

    assert redirect.status_code == 302
    assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "audio/mpeg"
    samples, rate = soundfile.read(io.BytesIO(fetched.content))
    assert len(samples) / rate == pytest.approx(1.2, abs=0.1)
    keys = [item["Key"] for item in s3_storage["client"].list_objects_v2(Bucket=s3_storage["bucket"])["Contents"]]
    assert storage.encoded_key(done.s3_key, "mp3") in keys
