"""HTTP engines against the project's own inference server, on an ephemeral local port."""

import time

import pytest
import requests

from audio.engines import (
    EngineValidationError,
    PermanentEngineError,
    TransientEngineError,
    get_engine,
    get_local_engine,
)
from audio.engines import registry
from audio.engines.http import HttpEngine
from audio.engines.server import make_server
from tests.support import API_KEY as KEY

from .conftest import decode, rms
from tests.factories import ask

class Slow:
    """A local engine that takes its time (the HTTP engine must give up first)."""

    engine_name = "slow"
    wants_source_bytes = True

    def __init__(self, engine):
        self.engine = engine

    def voices(self):
        return self.engine.voices()

    def validate(self, request):
        self.engine.validate(request)

    def health(self):
        return self.engine.health()

    def generate(self, request, *, on_piece=None):
        time.sleep(1.5)
        return self.engine.generate(request)


@pytest.fixture
def serve(engine_server, storage):
    """serve(service, engine=None, timeout=30) -> the service's engine from get_engine(), talking HTTP."""

    def start(service, *, engine=None, timeout=30, **behaviour):
        return engine_server(service, engine=engine, timeout=timeout, **behaviour).engine

    return start


class TestHttpEngines:
    def test_text_to_speech_writes_the_wav_to_storage(self, serve, storage):
        engine = serve("styletts2")

        result = engine.generate(ask(text="Hello from the inference server.", voice="woman"))

        assert engine.engine_name == "http"
        assert result.s3_key.startswith("styletts2-output/") and result.s3_key.endswith(".wav")
        assert result.audio_url == storage.url(result.s3_key)
        with storage.open(result.s3_key, "rb") as stored:
            samples, _ = decode(stored.read())
        assert rms(samples) > 0.03

    def test_voice_conversion_reads_the_source_from_storage(self, serve, storage, male_recording):
        source_key = storage.save(
            "seedvc-inputs/source.wav", __import__("io").BytesIO(male_recording)
        )
        engine = serve("seedvc")

        result = engine.generate(ask(voice="woman", source_key=source_key, source_audio=b"ignored"))

        assert result.s3_key.startswith("seedvc-outputs/")
        with storage.open(result.s3_key, "rb") as stored:
            decode(stored.read())

    def test_sound_effects_pass_duration_and_seed(self, serve, storage):
        engine = serve("make-an-audio")

        first = engine.generate(ask(prompt="door knock", duration=1.5, seed=3))
        second = engine.generate(ask(prompt="door knock", duration=1.5, seed=3))

        assert first.s3_key.startswith("make-an-audio-outputs/") and first.s3_key != second.s3_key
        with storage.open(first.s3_key, "rb") as a, storage.open(second.s3_key, "rb") as b:
            wav = a.read()
            assert wav == b.read()
        samples, rate = decode(wav)
        assert abs(len(samples) / rate - 1.5) <= 0.1

    def test_lists_the_server_voices(self, serve):
        engine = serve("styletts2")

        assert [v.id for v in engine.voices()] == ["andreas", "woman", "joe"]
        engine.validate(ask(text="Hi", voice="joe"))
        with pytest.raises(EngineValidationError, match="Unknown voice"):
            engine.validate(ask(text="Hi", voice="nobody"))

    def test_health(self, serve):
        assert serve("make-an-audio").health()["ok"] is True

    def test_wrong_key_is_permanent(self, serve, settings):
        serve("make-an-audio")
        settings.BACKEND_API_KEY = "wrong"

        with pytest.raises(PermanentEngineError, match="refused our API key.*BACKEND_API_KEY"):
            get_engine("make-an-audio").generate(ask(prompt="rain"))

    def test_refused_input_is_permanent(self, serve):
        engine = serve("styletts2")

        with pytest.raises(PermanentEngineError, match=r"^The text to speech server refused this request \(400\)\.$"):
            engine.generate(ask(text="Hi", voice="nobody"))

    def test_unknown_effect_is_permanent(self, serve):
        with pytest.raises(PermanentEngineError, match=r"refused this request \(400\)"):
            serve("make-an-audio").generate(ask(prompt="a cat purring"))

    def test_server_error_is_transient(self, serve):
        engine = serve("make-an-audio", fail_always=True)

        with pytest.raises(TransientEngineError, match=r"failed \(500\)\.$"):
            engine.generate(ask(prompt="rain"))

    def test_timeout_is_transient(self, serve):
        engine = serve("make-an-audio", engine=Slow(get_local_engine("make-an-audio")), timeout=0.3)

        with pytest.raises(TransientEngineError, match="did not answer within 0.3 seconds"):
            engine.generate(ask(prompt="rain", duration=1))

    def test_connection_refused_is_transient(self):
        engine = HttpEngine(registry.TEXT_TO_SPEECH, route="http://127.0.0.1:9", api_key=KEY, timeout=2)

        with pytest.raises(TransientEngineError, match=r"^Could not reach the text to speech server\.$"):
            engine.generate(ask(text="Hi", voice="joe"))

    def test_voices_fall_back_when_the_server_is_down(self):
        engine = HttpEngine(registry.VOICE_CHANGER, route="http://127.0.0.1:9", api_key=KEY, timeout=2,
                            fallback=lambda: get_local_engine("seedvc"))

        assert [v.id for v in engine.voices()] == ["andreas", "woman", "joe"]
        assert engine.health()["ok"] is False


class TestInferenceServer:
    def test_needs_the_key_for_voices_but_not_for_health(self, serve, settings):
        serve("styletts2")
        route = settings.STYLETTS2_API_ROUTE

        assert requests.get(f"{route}/voices", timeout=5).status_code == 401
        assert requests.get(f"{route}/health", timeout=5).json()["ok"] is True

    def test_answers_400_to_a_malformed_body(self, serve, settings):
        serve("styletts2")

        reply = requests.post(
            f"{settings.STYLETTS2_API_ROUTE}/generate",
            data=b"{not json",
            headers={"Authorization": KEY},
            timeout=5,
        )

        assert reply.status_code == 400
        assert reply.json() == {"error": "The request body is not JSON."}

    def test_answers_400_to_a_missing_source(self, serve, settings):
        serve("seedvc")

        reply = requests.post(
            f"{settings.SEED_VC_API_ROUTE}/convert",
            json={"source_audio_key": "nowhere.wav", "target_voice": "woman"},
            headers={"Authorization": KEY},
            timeout=5,
        )

        assert reply.status_code == 400
        assert reply.json() == {"error": "There is no source audio under that key."}

    def test_a_recording_the_engine_cannot_convert_is_a_plain_400(self, serve, settings, storage):
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        from audio.engines.praat_vc import CANNOT_CONVERT
        from tests.audio.test_uploads import _tone_at

        serve("seedvc")
        key = default_storage.save("seed-vc-audio-uploads/low.wav", ContentFile(_tone_at(50)))

        reply = requests.post(
            f"{settings.SEED_VC_API_ROUTE}/convert",
            json={"source_audio_key": key, "target_voice": "woman"},
            headers={"Authorization": KEY},
            timeout=30,
        )

        assert reply.status_code == 400
        assert reply.json() == {"error": CANNOT_CONVERT}

    def test_refuses_to_start_without_a_key(self):
        with pytest.raises(ValueError, match="API key is required"):
            make_server("styletts2", "127.0.0.1", 0, "")
