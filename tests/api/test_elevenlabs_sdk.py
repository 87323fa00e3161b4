"""The official ``elevenlabs`` SDK (pinned in requirements-test.txt) against a live server and a
real worker: every call the issue lists, each checked by what comes back."""

import base64
import io
import zipfile

import numpy as np
import pytest
import requests
from elevenlabs.core.api_error import ApiError

from accounts.models import User
from audio.models import GeneratedAudioClip
from credits.models import UsageLog
from tests.api.conftest import NO_RETRY, decode
from tests.factories import finish_clip, request_clip, wav_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SENTENCE = "The quick brown fox jumps over the lazy dog."


class TestTextToSpeech:
    def test_default_mp3_and_pcm_16000_decode_to_the_same_duration(self, worker, key_for, eleven):
        user, key = key_for()
        client = eleven(key)

        mp3 = b"".join(client.text_to_speech.convert("andreas", text=SENTENCE))
        pcm = b"".join(client.text_to_speech.convert("andreas", text=SENTENCE, output_format="pcm_16000"))

        mp3_seconds, mp3_rate = decode(mp3)
        assert mp3[:2] == b"\xff\xfb" and mp3_rate == 44100  # an MPEG-1 layer III frame, no ID3 tag
        samples = np.frombuffer(pcm, "<i2")
        assert len(pcm) % 2 == 0 and np.abs(samples).max() > 3000  # speech, not silence
        assert 1.5 < mp3_seconds < 6
        assert abs(len(samples) / 16000 - mp3_seconds) < 0.2  # two clips of the same text and voice
        clips = GeneratedAudioClip.objects.filter(user=user).order_by("created_at")
        assert [(c.status, c.source, c.text) for c in clips] == [("done", "api", SENTENCE)] * 2
        assert User.objects.get(pk=user.pk).credits == 10000 - 2 * clips[0].cost

    def test_stream_answers_the_audio_in_chunks(self, worker, key_for, eleven):
        _user, key = key_for()

        chunks = list(eleven(key).text_to_speech.stream("woman", text="Streaming works.", output_format="mp3_22050_32",
                                                       request_options={"chunk_size": 1024}))

        data = b"".join(chunks)
        seconds, rate = decode(data)
        assert len(chunks) > 1 and rate == 22050 and 0.7 < seconds < 4

    def test_with_timestamps_times_every_character_of_the_text(self, worker, key_for, eleven):
        _user, key = key_for()
        text = "Hello there.  This is a second sentence!"

        answer = eleven(key).text_to_speech.convert_with_timestamps(
            "joe", text=text, output_format="wav_22050", voice_settings={"speed": 1.2, "style": 0.2},
            request_options=NO_RETRY)

        audio = base64.b64decode(answer.audio_base_64)
        seconds, rate = decode(audio)
        alignment = answer.alignment
        assert rate == 22050 and "".join(alignment.characters) == text
        starts, ends = alignment.character_start_times_seconds, alignment.character_end_times_seconds
        assert len(starts) == len(ends) == len(text)
        assert starts == sorted(starts) and all(s <= e for s, e in zip(starts, ends))
        assert starts[0] == 0.0 and abs(ends[-1] - seconds) < 0.05
        second = text.index("This")
        assert 0.3 * seconds < starts[second] < 0.7 * seconds  # the second sentence starts mid-clip
        assert "".join(answer.normalized_alignment.characters) == "Hello there. This is a second sentence!"


class TestVoiceChangerAndSoundEffects:
    def test_speech_to_speech_converts_a_bare_bytes_upload(self, worker, key_for, eleven, live_server):
        user, key = key_for()
        recording = wav_bytes(1.5, rate=16000)

        out = b"".join(eleven(key).speech_to_speech.convert("woman", audio=recording, output_format="wav_44100",
                                                            voice_settings='{"stability": 0.5}', seed=3))
        alias = requests.post(f"{live_server.url}/v1/speech-to-speech/andreas?output_format=mp3_44100_64",
                              headers={"xi-api-key": key}, files={"audio": ("take.wav", recording)}, timeout=120)

        seconds, rate = decode(out)
        assert rate == 44100 and abs(seconds - 1.5) < 0.1
        assert alias.status_code == 200 and alias.headers["Content-Type"] == "audio/mpeg"
        assert abs(decode(alias.content)[0] - 1.5) < 0.1
        clips = GeneratedAudioClip.objects.filter(user=user).order_by("created_at")
        assert [(c.service, c.status, c.voice, c.params["source_name"]) for c in clips] == [
            ("seedvc", "done", "woman", "upload"), ("seedvc", "done", "andreas", "take.wav")]

    def test_a_sound_effect_has_the_asked_duration(self, worker, key_for, eleven):
        _user, key = key_for()

        out = b"".join(eleven(key).text_to_sound_effects.convert(text="thunder", duration_seconds=2.5,
                                                                 prompt_influence=0.3, loop=False))

        seconds, _rate = decode(out)
        assert abs(seconds - 2.5) <= 0.3


class TestCatalog:
    def test_voices_v1_and_v2_with_paging(self, key_for, eleven):
        _user, key = key_for()
        client = eleven(key)

        listed = client.voices.get_all().voices
        one = client.voices.get("woman")
        pages, token = [], None
        while True:
            page = client.voices.search(page_size=1, next_page_token=token)
            pages.append(page)
            if not page.has_more:
                break
            token = page.next_page_token

        ids = [v.voice_id for v in listed]
        assert {"andreas", "woman", "joe"} <= set(ids)
        assert all(v.name and v.description and v.category == "premade" for v in listed)
        assert one.voice_id == "woman" and one.name == "Woman"
        assert [p.voices[0].voice_id for p in pages] == ids
        assert all(p.total_count == len(ids) and len(p.voices) == 1 for p in pages)
        assert pages[-1].next_page_token is None
        assert [v.voice_id for v in client.voices.search(search="woman").voices] == ["woman"]

    def test_voice_settings_are_the_studios_defaults_for_each_voice(self, key_for, eleven):
        from elevenlabs.core import ApiError

        client = eleven(key_for()[1])

        default = client.voices.settings.get_default()
        joe = client.voices.settings.get("joe")
        with pytest.raises(ApiError) as missing:
            client.voices.settings.get("nobody", request_options=NO_RETRY)

        assert (default.stability, default.style, default.speed) == (0.5, 0.5, 1.0)
        assert joe == default
        assert missing.value.status_code == 404

    def test_models_are_a_list_with_what_each_can_do(self, key_for, eleven):
        _user, key = key_for()

        found = {m.model_id: m for m in eleven(key).models.list()}

        assert found["bernie_tts"].can_do_text_to_speech and not found["bernie_tts"].can_do_voice_conversion
        assert found["bernie_voice_changer"].can_do_voice_conversion
        assert found["bernie_tts"].maximum_text_length_per_request == 5000


class TestHistory:
    def test_list_page_get_audio_download_and_delete(self, worker, key_for, eleven):
        user, key = key_for()
        client = eleven(key)
        studio = finish_clip(request_clip(user, "styletts2", text="Made in the studio.", voice="joe"))
        with client.text_to_speech.with_raw_response.convert("andreas", text="Made through the API.") as raw:
            tts_id = raw.headers["history-item-id"]
            tts_audio = b"".join(raw.data)
        b"".join(client.text_to_sound_effects.convert(text="rain", duration_seconds=1.0))

        first = client.history.list(page_size=1)
        seen, after = [first], first.last_history_item_id
        while seen[-1].has_more:
            seen.append(client.history.list(page_size=1, start_after_history_item_id=after))
            after = seen[-1].last_history_item_id
        item = client.history.get(tts_id)
        audio = b"".join(client.history.get_audio(tts_id))
        one = b"".join(client.history.download(history_item_ids=[studio.id]))
        several = b"".join(client.history.download(history_item_ids=[studio.id, tts_id], output_format="wav"))

        order = [page.history[0] for page in seen]
        assert len(order) == 3 and [h.text for h in order] == ["rain", "Made through the API.", "Made in the studio."]
        assert [h.source for h in order] == ["api", "api", "studio"]
        assert all(len(page.history) == 1 for page in seen) and not seen[-1].has_more
        assert item.voice_id == "andreas" and item.voice_name == "Andreas" and item.state == "created"
        assert item.character_count_change_to - item.character_count_change_from == 50
        assert item.content_type == "audio/mpeg" and item.date_unix > 0
        assert abs(decode(audio)[0] - decode(tts_audio)[0]) < 0.05
        assert abs(decode(one)[0] - 1.0) < 0.05  # the studio clip is 1 s of tone
        with zipfile.ZipFile(io.BytesIO(several)) as archive:
            names = archive.namelist()
            durations = sorted(round(decode(archive.read(n))[0], 1) for n in names)
        assert len(names) == 2 and all(n.endswith(".wav") for n in names)
        assert durations[0] == 1.0 and durations[1] == round(decode(tts_audio)[0], 1)
        assert client.history.list(source="studio").history[0].history_item_id == studio.id

        assert client.history.delete(tts_id).status == "ok"

        with pytest.raises(ApiError) as gone:
            client.history.get(tts_id, request_options=NO_RETRY)
        assert gone.value.status_code == 404 and gone.value.body["detail"]["status"] == "history_item_not_found"
        assert not GeneratedAudioClip.objects.filter(pk=tts_id).exists()


class TestUser:
    def test_character_count_rises_with_use(self, worker, key_for, eleven):
        user, key = key_for(credits=1000)
        client = eleven(key)
        before = client.user.get()

        b"".join(client.text_to_speech.convert("joe", text="Count me."))

        after = client.user.subscription.get()
        assert before.user_id == user.pk and before.xi_api_key_preview == key[:11]
        assert before.subscription.character_count == 0 and before.subscription.character_limit == 1000
        assert after.character_count == 50 and after.character_limit == 1000
        assert after.status == "active" and after.open_invoices == [] and after.has_open_invoices is False
        assert UsageLog.objects.filter(user=user).count() == 1
