"""The forms the pages and the API share: every limit comes from settings, in one place."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audio.forms import SoundEffectsForm, TextToSpeechForm, VoiceChangerForm
from tests.factories import silent_wav


def _upload(data: bytes, name: str = "take.wav"):
    return {"audio": SimpleUploadedFile(name, data, content_type="audio/wav")}


class TestLimitsComeFromSettings:
    def test_the_text_limit(self, settings):
        settings.TTS_TEXT_MAX_CHARS = 20

        short = TextToSpeechForm({"text": "a" * 20, "voice": "joe"})
        long = TextToSpeechForm({"text": "a" * 21, "voice": "joe"})

        assert short.is_valid(), short.errors
        assert not long.is_valid()
        assert long.errors["text"] == ["The text is 21 characters long; the limit is 20."]

    def test_raising_the_upload_limits_admits_a_longer_recording(self, settings):
        six_minutes = silent_wav(6 * 60, rate=8000)

        refused = VoiceChangerForm({"voice": "woman"}, _upload(six_minutes))
        refused.is_valid()  # judged under the default limits
        settings.AUDIO_UPLOAD_MAX_SECONDS = 10 * 60
        settings.AUDIO_UPLOAD_MAX_BYTES = 60 * 1024 * 1024
        accepted = VoiceChangerForm({"voice": "woman"}, _upload(six_minutes))

        assert not refused.is_valid() and "longer than 5 minutes" in refused.errors["audio"][0]
        assert accepted.is_valid(), accepted.errors
        assert accepted.upload().extension == ".wav"
        assert accepted.generation_request().params == {"source_name": "take.wav"}

    def test_lowering_the_upload_size_limit_refuses_a_bigger_file(self, settings):
        settings.AUDIO_UPLOAD_MAX_BYTES = 1024 * 1024

        form = VoiceChangerForm({"voice": "woman"}, _upload(silent_wav(70, rate=8000)))

        assert not form.is_valid() and form.has_error("audio", "too_large")
        assert form.errors["audio"] == ["The file is 1 MB; the limit is 1 MB."]

    def test_the_prompt_limit(self, settings):
        settings.SFX_PROMPT_MAX_CHARS = 10

        form = SoundEffectsForm({"prompt": "rain and thunder"})

        assert form.errors["prompt"] == ["The description is 16 characters long; the limit is 10."]


class TestSoundEffectDuration:
    def test_a_length_in_the_description_is_the_one_used(self):
        form = SoundEffectsForm({"prompt": "light rain, near, 4 seconds", "duration": "5"})

        assert form.is_valid(), form.errors
        assert form.generation_request().params["duration"] == 4.0

    def test_the_field_is_used_when_the_description_names_no_length(self):
        form = SoundEffectsForm({"prompt": "light rain", "duration": "2.5"})

        assert form.is_valid(), form.errors
        assert form.generation_request().params["duration"] == 2.5

    def test_a_length_in_the_description_outside_the_range_is_refused_by_the_form(self):
        form = SoundEffectsForm({"prompt": "rain for 30 seconds", "duration": "5"})

        assert form.errors["prompt"] == [
            "The duration must be between 0.5 and 22 seconds. (The length written in the description counts.)"
        ]

    @pytest.mark.parametrize("written", ["1_0", "２", "1e1", "-3", " ", "4 s"])
    def test_only_plain_decimal_numbers_are_accepted(self, written):
        form = SoundEffectsForm({"prompt": "light rain", "duration": written})

        if written.strip():
            assert form.errors["duration"] == ["The duration must be a number of seconds, such as 4 or 2.5."]
        else:
            assert form.is_valid() and form.generation_request().params["duration"] == 5.0

    def test_the_same_form_gives_the_same_seed_twice(self):
        form = SoundEffectsForm({"prompt": "light rain"})
        assert form.is_valid()

        assert form.generation_request().params["seed"] == form.generation_request().params["seed"]
