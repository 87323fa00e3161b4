"""Streams as production serves them: gunicorn as gunicorn.conf.py sets it up (one process,
gthread) and a real worker process (``manage.py run_worker``) making the clips with Piper.

The pieces travel through Redis in the PostgreSQL run and through the database in the others,
so both channels are exercised end to end. The tests check ordering (the first bytes arrive
while the clip is still pending), never seconds.
"""

import io
import threading
from datetime import timedelta

import pytest
import requests
import soundfile as sf
from django.db import connection

from accounts import api_keys
from audio import pieces
from audio.models import GeneratedAudioClip
from audio.reaper import reap
from credits.models import UsageLog
from tests.factories import UserFactory, finish_clip, make_clip, wav_bytes
from tests.streaming.texts import LONG, prose
from tests.support import WebServer, run_worker, sign_in, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REDIS_TEST_URL = "redis://127.0.0.1:6379/6"


@pytest.fixture(scope="module")
def channel_env():
    return {"REDIS_URL": REDIS_TEST_URL} if connection.vendor == "postgresql" else {}


@pytest.fixture
def same_channel(settings, channel_env):
    """This process reads and writes pieces where the server and the worker do."""
    settings.PIECES_REDIS_URL = channel_env.get("REDIS_URL", "")
    pieces._channel_for.cache_clear()
    yield
    pieces._channel_for.cache_clear()


@pytest.fixture(scope="module")
def web(django_db_setup, django_db_blocker, tmp_path_factory, channel_env):
    with django_db_blocker.unblock():
        server = WebServer(tmp_path_factory.mktemp("web") / "web.log", config=True, CLIP_RATE_LIMIT_PER_MINUTE="100",
                           **channel_env)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory, channel_env):
    with django_db_blocker.unblock():
        process = run_worker(tmp_path_factory.mktemp("worker") / "worker.log", **channel_env)
    yield process
    process.stop()


def status(clip_id: str) -> str:
    return GeneratedAudioClip.objects.get(pk=clip_id).status


def charges(clip_id: str) -> tuple[int, int]:
    """(charges, refunds) in the ledger for the clip."""
    return (UsageLog.objects.filter(clip_id=clip_id, credits__lt=0).count(),
            UsageLog.objects.filter(refund_of_id=clip_id).count())


def mp3_seconds(data: bytes) -> float:
    samples, rate = sf.read(io.BytesIO(data))
    return len(samples) / rate


def test_the_page_plays_a_long_text_before_it_is_done_and_the_stream_adds_up_to_the_clip(web, worker):
    user = UserFactory(credits=1000)
    browser = sign_in(web.url, user)
    answer = browser.post(f"{web.url}/app/text-to-speech/", data={"text": LONG, "voice": "joe"},
                          headers={"Accept": "application/json"}, timeout=60)
    assert answer.status_code == 201, answer.text[:300]
    clip_id = answer.json()["id"]
    stream_url = browser.get(f"{web.url}/app/clips/{clip_id}/", timeout=30).json()["stream_url"]
    assert stream_url == f"/app/clips/{clip_id}/stream/"

    with browser.get(f"{web.url}{stream_url}", stream=True, timeout=120) as response:
        assert response.status_code == 200 and response.headers["Content-Type"] == "audio/mpeg"
        chunks = response.iter_content(chunk_size=None)
        first = next(chunks)
        assert first and status(clip_id) == "pending"  # audio before the clip is done
        data = first + b"".join(chunks)

    clip = GeneratedAudioClip.objects.get(pk=clip_id)
    assert clip.status == "done" and clip.duration_seconds > 120  # ~3 minutes of speech
    assert mp3_seconds(data) == pytest.approx(clip.duration_seconds, abs=0.1)
    assert charges(clip_id) == (1, 0)
    assert list(user.clips.values_list("id", flat=True)) == [clip_id]


def test_the_api_stream_sends_the_first_bytes_before_the_clip_is_done(web, worker):
    from elevenlabs import ElevenLabs

    user = UserFactory(credits=1000)
    _key, raw = api_keys.api_key_create(user=user, name="stream")
    client = ElevenLabs(api_key=raw, base_url=web.url, timeout=120)
    chunks = client.text_to_speech.stream("joe", text=LONG, output_format="pcm_22050", request_options={"max_retries": 0})
    first = next(chunks)
    (clip,) = user.clips.all()
    assert first and clip.status == "pending"
    data = first + b"".join(chunks)

    clip.refresh_from_db()
    assert clip.status == "done"
    assert len(data) / 2 / 22050 == pytest.approx(clip.duration_seconds, abs=0.1)
    assert charges(clip.id) == (1, 0)
    user.refresh_from_db()
    assert user.credits == 1000 - clip.cost


def test_a_client_that_leaves_after_the_first_chunk_still_gets_its_clip_charged_once(web, worker):
    user = UserFactory(credits=1000)
    _key, raw = api_keys.api_key_create(user=user, name="leaver")
    with requests.post(f"{web.url}/v1/text-to-speech/joe/stream", json={"text": prose(1500)}, stream=True,
                       headers={"xi-api-key": raw}, timeout=120) as response:
        assert response.status_code == 200
        clip_id = response.headers["history-item-id"]
        assert next(response.iter_content(chunk_size=None))
    # the response is closed: the client is gone
    wait_for(lambda: status(clip_id) != "pending", timeout=180, interval=0.2, what="the clip to finish")
    assert status(clip_id) == "done"
    assert charges(clip_id) == (1, 0)
    user.refresh_from_db()
    assert user.credits == 1000 - GeneratedAudioClip.objects.get(pk=clip_id).cost


def test_twenty_open_streams_leave_pages_free(web, same_channel):
    user = UserFactory(credits=1000)
    browser = sign_in(web.url, user)
    clips = [make_clip(user, status="pending", text=f"Stream {n}.") for n in range(20)]
    writers = [pieces.Writer(clip.id) for clip in clips]
    for writer in writers:  # a first piece each: every stream has started (headers and audio sent)
        writer(wav_samples(0.5), 22050)

    received: dict[str, list[bytes]] = {clip.id: [] for clip in clips}
    started = threading.Semaphore(0)
    errors = []

    def listen(clip_id: str):
        try:
            with browser.get(f"{web.url}/app/clips/{clip_id}/stream/", stream=True, timeout=120) as response:
                assert response.status_code == 200, response.text[:200]
                for n, chunk in enumerate(response.iter_content(chunk_size=None)):
                    received[clip_id].append(chunk)
                    if n == 0:
                        started.release()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            started.release()

    threads = [threading.Thread(target=listen, args=(clip.id,)) for clip in clips]
    for thread in threads:
        thread.start()
    for _ in clips:
        assert started.acquire(timeout=60)
    assert not errors, errors
    assert all(thread.is_alive() for thread in threads)  # twenty streams open in the one process

    for _ in range(5):  # pages and status polls answer while all twenty are held
        assert browser.get(f"{web.url}/app/text-to-speech/", timeout=30).status_code == 200
        assert browser.get(f"{web.url}/app/clips/{clips[0].id}/", timeout=30).status_code == 200
    assert all(thread.is_alive() for thread in threads)

    for clip, writer in zip(clips, writers, strict=True):
        finish_clip(clip, wav_bytes(1.0, rate=22050))
        writer.close()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert all(not thread.is_alive() for thread in threads)
    assert all(len(b"".join(chunks)) > 1000 for chunks in received.values())


def wav_samples(seconds: float):
    import numpy as np

    t = np.arange(int(seconds * 22050)) / 22050
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_a_worker_killed_mid_stream_cuts_the_stream_and_the_reaper_refunds_once(web, worker):
    user = UserFactory(credits=1000)
    _key, raw = api_keys.api_key_create(user=user, name="killed")
    with requests.post(f"{web.url}/v1/text-to-speech/joe/stream?output_format=pcm_22050", json={"text": LONG},
                       stream=True, headers={"xi-api-key": raw}, timeout=120) as response:
        assert response.status_code == 200
        clip_id = response.headers["history-item-id"]
        chunks = response.iter_content(chunk_size=None)
        assert next(chunks)
        worker.stop_now()  # SIGKILL, mid-clip
        assert status(clip_id) == "pending"
        assert reap(older_than=timedelta(0)) == 1
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            for _chunk in chunks:
                pass

    clip = GeneratedAudioClip.objects.get(pk=clip_id)
    assert clip.failed and "worker stopped" in clip.error
    assert charges(clip_id) == (1, 1)
    assert reap(older_than=timedelta(0)) == 0
    user.refresh_from_db()
    assert user.credits == 1000
