"""Fixtures for the engine tests: none of them needs the database."""

import io

import numpy as np
import pytest
import soundfile

from audio.engines import get_local_engine
from tests.factories import ask

SENTENCE = "The quick brown fox jumps over the lazy dog, and then it runs back home."


def decode(wav: bytes):
    """WAV bytes -> (float samples, sample rate), checking the format on the way."""
    info = soundfile.info(io.BytesIO(wav))
    assert (info.format, info.subtype, info.channels) == ("WAV", "PCM_16", 1)
    samples, sample_rate = soundfile.read(io.BytesIO(wav), dtype="float64")
    return samples, sample_rate


def rms(samples) -> float:
    return float(np.sqrt(np.mean(np.square(samples))))


@pytest.fixture(scope="session")
def tts():
    return get_local_engine("styletts2")


@pytest.fixture(scope="session")
def vc():
    return get_local_engine("seedvc")


@pytest.fixture(scope="session")
def sfx():
    return get_local_engine("make-an-audio")


@pytest.fixture(scope="session")
def male_recording(tts) -> bytes:
    """About 5 s of Piper's male voice (median pitch ~90 Hz), as WAV bytes."""
    return tts.generate(ask(text=SENTENCE, voice="joe")).wav


@pytest.fixture
def storage(settings, tmp_path):
    """default_storage on a throwaway folder."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MEDIA_URL = "/media/"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": "/media/"},
        },
    }
    from django.core.files.storage import default_storage

    return default_storage
