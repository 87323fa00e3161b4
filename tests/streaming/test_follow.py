"""The pieces channel (database and Redis), following a clip, and the page's stream view, in
one process: pieces published by hand as the worker would, the clip stored by finish_clip."""

import io
import wave

import numpy as np
import pytest
import soundfile as sf

from audio import generation, pieces, streaming
from audio.models import ClipPiece
from tests.factories import UserFactory, finish_clip, make_clip

RATE = 22050
REDIS_TEST_URL = "redis://127.0.0.1:6379/6"


def tone(seconds: float, freq: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def pcm(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1, 1) * 32767.0).round().astype("<i2").tobytes()


def wav_of(*parts: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"".join(pcm(p) for p in parts))
    return buffer.getvalue()


@pytest.fixture(params=["database", "redis"])
def channel(request, settings):
    settings.PIECES_REDIS_URL = REDIS_TEST_URL if request.param == "redis" else ""
    pieces._channel_for.cache_clear()
    found = pieces.channel()
    assert found.name == request.param
    yield found
    pieces._channel_for.cache_clear()


@pytest.mark.django_db(transaction=True)
class TestChannel:
    def test_pieces_come_back_in_order_from_any_index_and_are_dropped(self, channel):
        clip = make_clip(UserFactory(), status="pending")
        writer = pieces.Writer(clip.id)
        parts = [tone(0.2), tone(0.1, 330), tone(0.3, 440)]
        for part in parts:
            writer(part, RATE)
        got = channel.read(clip.id, 0)
        assert [p.index for p in got] == [0, 1, 2]
        assert [p.pcm for p in got] == [pcm(p) for p in parts] and {p.sample_rate for p in got} == {RATE}
        assert [p.index for p in channel.read(clip.id, 2)] == [2] and channel.read(clip.id, 3) == []
        writer.close()
        assert channel.read(clip.id, 0) == []
        assert not ClipPiece.objects.filter(clip_id=clip.id).exists()

    def test_a_new_attempt_starts_again_at_index_zero(self, channel):
        clip = make_clip(UserFactory(), status="pending")
        first = pieces.Writer(clip.id)
        first(tone(0.1), RATE)
        first(tone(0.1), RATE)
        second = pieces.Writer(clip.id)  # the retried attempt
        second(tone(0.2, 550), RATE)
        got = channel.read(clip.id, 0)
        assert [(p.index, p.pcm) for p in got] == [(0, pcm(tone(0.2, 550)))]
        second.close()


@pytest.mark.django_db(transaction=True)
def test_a_writer_whose_channel_fails_stops_quietly_and_the_reader_waits_for_the_file(settings, caplog):
    settings.PIECES_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    pieces._channel_for.cache_clear()
    try:
        clip = make_clip(UserFactory(), status="pending")
        writer = pieces.Writer(clip.id)
        writer(tone(0.2), RATE)
        writer(tone(0.2), RATE)
        assert writer.stopped and writer.index == 0
        finish_clip(clip, wav_of(tone(0.4)))
        got = b"".join(data for data, _rate in streaming.follow(clip.id))
        assert got == pcm(tone(0.4))
    finally:
        pieces._channel_for.cache_clear()
    assert "not published" in caplog.text


@pytest.mark.django_db(transaction=True)
class TestFollow:
    def test_pieces_then_the_rest_of_the_stored_clip_add_up_to_it(self, channel):
        clip = make_clip(UserFactory(), status="pending")
        parts = [tone(0.5), tone(0.25, 330), tone(0.4, 440)]
        writer = pieces.Writer(clip.id)
        writer(parts[0], RATE)
        writer(parts[1], RATE)
        stream = streaming.follow(clip.id)
        received = [next(stream), next(stream)]  # both published pieces, before the clip is stored
        assert clip.__class__.objects.get(pk=clip.id).status == "pending"
        finish_clip(clip, wav_of(*parts))  # the third piece was never published (or was missed)
        writer.close()
        received += list(stream)
        assert b"".join(data for data, _ in received) == b"".join(pcm(p) for p in parts)
        assert len(received) == 3

    def test_a_failed_clip_breaks_the_stream_with_its_error(self, channel):
        clip = make_clip(UserFactory(), status="pending")
        writer = pieces.Writer(clip.id)
        writer(tone(0.2), RATE)
        stream = streaming.follow(clip.id)
        next(stream)
        generation.clip_fail(clip_id=clip.id, error="The engine gave up.")
        with pytest.raises(streaming.StreamBroken, match="The engine gave up."):
            next(stream)

    def test_a_deleted_clip_and_a_silent_one_break_the_stream(self, channel):
        clip = make_clip(UserFactory(), status="pending")
        clip.delete()
        with pytest.raises(streaming.StreamBroken, match="deleted"):
            list(streaming.follow(clip.id))
        quiet = make_clip(UserFactory(), status="pending")
        with pytest.raises(streaming.StreamBroken, match="No audio arrived"):
            list(streaming.follow(quiet.id, idle_seconds=0.3))


@pytest.mark.django_db(transaction=True)
class TestPageStream:
    def test_status_offers_a_stream_url_while_a_speech_clip_is_pending_only(self, client):
        user = UserFactory()
        client.force_login(user)
        pending = make_clip(user, status="pending")
        done = make_clip(user)
        sfx = make_clip(user, service="make-an-audio", status="pending")
        url = client.get(f"/app/clips/{pending.id}/").json()["stream_url"]
        assert url == f"/app/clips/{pending.id}/stream/"
        assert client.get(f"/app/clips/{done.id}/").json()["stream_url"] is None
        assert client.get(f"/app/clips/{sfx.id}/").json()["stream_url"] is None

    def test_the_owner_gets_mp3_of_the_whole_clip_others_get_404(self, client, settings):
        settings.PIECES_REDIS_URL = ""
        pieces._channel_for.cache_clear()
        user = UserFactory()
        clip = make_clip(user, status="pending")
        writer = pieces.Writer(clip.id)
        writer(tone(1.0), RATE)
        client.force_login(UserFactory())
        assert client.get(f"/app/clips/{clip.id}/stream/").status_code == 404
        client.force_login(user)
        response = client.get(f"/app/clips/{clip.id}/stream/")
        assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
        chunks = response.streaming_content
        first = next(chunks)
        assert first  # the published piece, before the clip is stored
        finish_clip(clip, wav_of(tone(1.0), tone(1.5, 330)))
        writer.close()
        data = first + b"".join(chunks)
        response.close()
        samples, rate = sf.read(io.BytesIO(data))
        assert len(samples) / rate == pytest.approx(2.5, abs=0.1)
        assert streaming.SLOTS.open == 0

    def test_a_failed_clip_is_409_and_a_full_process_is_503(self, client, settings):
        user = UserFactory()
        client.force_login(user)
        failed = make_clip(user, status="failed", error="No voice.")
        assert client.get(f"/app/clips/{failed.id}/stream/").status_code == 409
        settings.STREAMS_PER_PROCESS = 0
        pending = make_clip(user, status="pending")
        response = client.get(f"/app/clips/{pending.id}/stream/")
        assert response.status_code == 503 and response["Retry-After"] == "5"
        assert "error" in response.json()


@pytest.mark.django_db(transaction=True)
class TestApiStreamBeforeTheFirstByte:
    def test_no_audio_in_time_is_a_504_and_the_clip_is_refunded_once(self, client, settings):
        from accounts import api_keys
        from credits.models import UsageLog

        settings.STREAM_IDLE_SECONDS = 0.3  # no worker runs: the first piece never comes
        user = UserFactory(credits=1000)
        _key, raw = api_keys.api_key_create(user=user, name="stream")

        answer = client.post("/v1/text-to-speech/joe/stream", {"text": "Nobody will say this."},
                             content_type="application/json", HTTP_XI_API_KEY=raw)

        assert answer.status_code == 504 and answer.json()["detail"]["status"] == "generation_timeout"
        (clip,) = user.clips.all()
        assert clip.failed and UsageLog.objects.filter(refund_of=clip).count() == 1
        user.refresh_from_db()
        assert user.credits == 1000 and streaming.SLOTS.open == 0

    def test_past_the_bound_a_stream_is_refused_with_429_before_anything_is_charged(self, client, settings):
        from accounts import api_keys

        settings.STREAMS_PER_PROCESS = 0
        user = UserFactory(credits=1000)
        _key, raw = api_keys.api_key_create(user=user, name="stream")

        answer = client.post("/v1/text-to-speech/joe/stream", {"text": "Too many at once."},
                             content_type="application/json", HTTP_XI_API_KEY=raw)

        assert answer.status_code == 429 and answer["Retry-After"] == "5"
        assert not user.clips.exists()
        user.refresh_from_db()
        assert user.credits == 1000


@pytest.mark.django_db(transaction=True)
def test_a_channel_that_stays_down_is_logged_once_per_stream_not_every_poll(settings, caplog):
    import threading

    settings.PIECES_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    pieces._channel_for.cache_clear()
    try:
        clip = make_clip(UserFactory(), status="pending")
        later = threading.Timer(0.5, finish_clip, args=(clip, wav_of(tone(0.3))))  # ~10 polls meanwhile
        later.start()
        got = b"".join(data for data, _rate in streaming.follow(clip.id))
        later.join()
    finally:
        pieces._channel_for.cache_clear()
    assert got == pcm(tone(0.3))
    assert caplog.text.count("pieces unavailable") == 1
