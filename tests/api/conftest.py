"""The API against a live test server and a real worker process (``manage.py db_worker``): a
generate call waits for its clip, so the worker has to be another process.

One worker serves a whole test module (the engines load once); each test has fresh users,
keys and rows (transactional tests), and makes at most three generations per user, the
per-minute rate.
"""

import io

import pytest
import soundfile as sf

from accounts import api_keys
from tests.factories import UserFactory
from tests.support import Worker


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory):
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with django_db_blocker.unblock():
        process = Worker(log)
    yield process
    process.stop()


@pytest.fixture
def key_for(db):
    """key_for(user=None, credits=10000, **options) -> (user, key): a user's new API key."""

    def make(user=None, *, credits: int = 10000, name: str = "tests", credit_limit: int | None = None):
        user = user or UserFactory(credits=credits)
        _row, raw = api_keys.api_key_create(user=user, name=name, credit_limit=credit_limit)
        return user, raw

    return make


@pytest.fixture
def eleven(live_server):
    """eleven(key): the official ElevenLabs client on the live server, without retries."""
    from elevenlabs import ElevenLabs

    def client(key: str):
        return ElevenLabs(api_key=key, base_url=live_server.url, timeout=120)

    return client


def decode(data: bytes) -> tuple[float, int]:
    """(duration in seconds, sample rate) of an audio file in any format soundfile reads."""
    info = sf.info(io.BytesIO(data))
    return info.frames / info.samplerate, info.samplerate


NO_RETRY = {"max_retries": 0}
