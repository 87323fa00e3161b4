"""The official ``openai`` SDK's speech call against a live server and a real worker."""

import numpy as np
import openai
import pytest

from audio.models import GeneratedAudioClip
from tests.api.conftest import decode

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def oai(live_server):
    def client(key: str):
        return openai.OpenAI(api_key=key, base_url=f"{live_server.url}/v1", max_retries=0, timeout=120)

    return client


def test_speech_in_mp3_and_wav_decodes_to_the_same_speech(worker, key_for, oai):
    user, key = key_for()
    client = oai(key)

    mp3 = client.audio.speech.create(model="tts-1", voice="alloy", input="Hello from the OpenAI client.").content
    wav = client.audio.speech.create(model="gpt-4o-mini-tts", voice={"id": "andreas"}, input="Hello from the OpenAI client.",
                                     response_format="wav", speed=1.0, instructions="calm").content

    mp3_seconds, mp3_rate = decode(mp3)
    wav_seconds, wav_rate = decode(wav)
    assert mp3[:2] == b"\xff\xfb" and mp3_rate == 44100
    assert wav[:4] == b"RIFF" and wav_rate == 24000
    assert 1.0 < mp3_seconds < 5 and 1.0 < wav_seconds < 5
    clips = list(GeneratedAudioClip.objects.filter(user=user).order_by("created_at"))
    assert [c.voice for c in clips] == ["woman", "andreas"]  # alloy is mapped onto one of ours
    assert all(c.status == "done" and c.source == "api" for c in clips)


def test_pcm_is_raw_24khz_and_aac_is_refused(worker, key_for, oai):
    user, key = key_for()
    client = oai(key)

    pcm = client.audio.speech.create(model="tts-1", voice="onyx", input="Raw samples.", response_format="pcm").content
    with pytest.raises(openai.BadRequestError) as refused:
        client.audio.speech.create(model="tts-1", voice="onyx", input="No AAC.", response_format="aac")

    samples = np.frombuffer(pcm, "<i2")
    clip = GeneratedAudioClip.objects.get(user=user)
    assert abs(len(samples) / 24000 - clip.duration_seconds) < 0.01
    assert refused.value.code == "unsupported_response_format" and refused.value.param == "response_format"
    assert refused.value.body["type"] == "invalid_request_error"


def test_a_bad_key_is_an_authentication_error(oai, transactional_db):
    with pytest.raises(openai.AuthenticationError) as refused:
        oai("sk_" + "0" * 48).audio.speech.create(model="tts-1", voice="alloy", input="Hi.")

    assert refused.value.status_code == 401 and refused.value.code == "invalid_api_key"


def test_asked_to_stream_the_speech_comes_in_pieces_and_adds_up_to_the_clip(worker, key_for, oai):
    user, key = key_for()
    text = "The first sentence comes at once. The second one follows it. And a third one ends it."

    with oai(key).audio.speech.with_streaming_response.create(
            model="tts-1", voice="echo", input=text, response_format="pcm", stream_format="audio") as response:
        chunks = list(response.iter_bytes())

    (clip,) = GeneratedAudioClip.objects.filter(user=user)
    assert clip.status == "done" and len(chunks) >= 2
    assert len(b"".join(chunks)) / 2 / 24000 == pytest.approx(clip.duration_seconds, abs=0.1)
