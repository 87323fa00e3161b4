"""HTTP engines against the project's own inference server, on an ephemeral local port."""

import threading
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
from audio.engines.http import HttpEngine
from audio.engines.server import make_server

from .conftest import decode, rms

KEY = "test-backend-key"
ROUTE_SETTINGS = {
    "styletts2": "STYLETTS2_API_ROUTE",
    "seedvc": "SEED_VC_API_ROUTE",
    "make-an-audio": "MAKE_AN_AUDIO_API_ROUTE",
}


class Failing:
    """A local engine that raises instead of generating (the server must answer 500)."""

    def __init__(self, engine):
        self.engine = engine
        self.service, self.engine_name = engine.service, engine.engine_name

    def voices(self):
        return self.engine.voices()

    def health(self):
        return self.engine.health()

    def generate(self, **params):
        raise RuntimeError("GPU on fire")


class Slow(Failing):
    def generate(self, **params):
        time.sleep(1.5)
        return self.engine.generate(**params)


@pytest.fixture
def serve(settings, storage):
    """serve(service, engine=None) -> the service's engine from get_engine(), talking HTTP."""
    servers = []

    def start(service, engine=None, timeout=30):
        server = make_server(service, "127.0.0.1", 0, KEY, engine=engine)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        setattr(settings, ROUTE_SETTINGS[service], f"http://127.0.0.1:{server.server_port}")
        settings.BACKEND_API_KEY = KEY
        settings.ENGINE_TIMEOUT_SECONDS = timeout
        return get_engine(service)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class TestHttpEngines:
    def test_text_to_speech_writes_the_wav_to_storage(self, serve, storage):
        engine = serve("styletts2")

        result = engine.generate(text="Hello from the inference server.", voice="woman")

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

        result = engine.generate(voice="woman", source_key=source_key, source_audio=b"ignored")

        assert result.s3_key.startswith("seedvc-outputs/")
        with storage.open(result.s3_key, "rb") as stored:
            decode(stored.read())

    def test_sound_effects_pass_duration_and_seed(self, serve, storage):
        engine = serve("make-an-audio")

        first = engine.generate(prompt="door knock", duration=1.5, seed=3)
        second = engine.generate(prompt="door knock", duration=1.5, seed=3)

        assert first.s3_key.startswith("make-an-audio-outputs/") and first.s3_key != second.s3_key
        with storage.open(first.s3_key, "rb") as a, storage.open(second.s3_key, "rb") as b:
            wav = a.read()
            assert wav == b.read()
        samples, rate = decode(wav)
        assert abs(len(samples) / rate - 1.5) <= 0.1

    def test_lists_the_server_voices(self, serve):
        engine = serve("styletts2")

        assert [v.id for v in engine.voices()] == ["andreas", "woman", "joe"]
        engine.validate(text="Hi", voice="joe")
        with pytest.raises(EngineValidationError, match="Unknown voice"):
            engine.validate(text="Hi", voice="nobody")

    def test_health(self, serve):
        assert serve("make-an-audio").health()["ok"] is True

    def test_wrong_key_is_permanent(self, serve, settings):
        serve("make-an-audio")
        settings.BACKEND_API_KEY = "wrong"

        with pytest.raises(PermanentEngineError, match="refused our API key.*BACKEND_API_KEY"):
            get_engine("make-an-audio").generate(prompt="rain")

    def test_refused_input_is_permanent(self, serve):
        engine = serve("styletts2")

        with pytest.raises(PermanentEngineError, match=r"\(400\): Unknown voice “nobody”"):
            engine.generate(text="Hi", voice="nobody")

    def test_unknown_effect_is_permanent(self, serve):
        with pytest.raises(PermanentEngineError, match="does not know how to make"):
            serve("make-an-audio").generate(prompt="a cat purring")

    def test_server_error_is_transient(self, serve):
        engine = serve("make-an-audio", engine=Failing(get_local_engine("make-an-audio")))

        with pytest.raises(TransientEngineError, match=r"failed \(500\)"):
            engine.generate(prompt="rain")

    def test_timeout_is_transient(self, serve):
        engine = serve("make-an-audio", engine=Slow(get_local_engine("make-an-audio")), timeout=0.3)

        with pytest.raises(TransientEngineError, match="did not answer within 0.3 seconds"):
            engine.generate(prompt="rain", duration=1)

    def test_connection_refused_is_transient(self):
        engine = HttpEngine("styletts2", route="http://127.0.0.1:9", api_key=KEY, timeout=2)

        with pytest.raises(TransientEngineError, match="Could not reach"):
            engine.generate(text="Hi", voice="joe")

    def test_voices_fall_back_when_the_server_is_down(self):
        engine = HttpEngine("seedvc", route="http://127.0.0.1:9", api_key=KEY, timeout=2)

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
        assert "No source audio" in reply.json()["error"]

    def test_refuses_to_start_without_a_key(self):
        with pytest.raises(ValueError, match="API key is required"):
            make_server("styletts2", "127.0.0.1", 0, "")
