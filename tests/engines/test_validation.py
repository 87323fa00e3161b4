import io

import numpy as np
import pytest
import soundfile

from audio.engines import EngineValidationError, get_engine, probe_audio
from audio.engines.audio_files import encode_wav
from audio.engines.base import GenerationRequest
from tests.factories import ask

HTML = b"<!DOCTYPE html>\n<html><head><title>Not audio</title></head><body>hi</body></html>\n"


def tone(seconds: float, rate: int = 16000):
    t = np.arange(int(seconds * rate)) / rate
    return 0.3 * np.sin(2 * np.pi * 220 * t), rate


class TestTextAndPromptLimits:
    def test_refuses_empty_text(self, tts):
        with pytest.raises(EngineValidationError, match="Enter some text"):
            tts.validate(ask(text="   ", voice="joe"))

    def test_leaves_the_text_length_limit_to_the_forms(self, tts):
        tts.validate(ask(text="a" * 5001, voice="joe"))

    def test_refuses_text_without_words(self, tts):
        with pytest.raises(EngineValidationError, match="no words"):
            tts.validate(ask(text="... !!!", voice="joe"))

    def test_refuses_unknown_voices(self, tts, vc):
        for engine in (tts, vc):
            with pytest.raises(EngineValidationError, match="Unknown voice “nobody”"):
                engine.validate(ask(voice="nobody", **({"text": "Hi"} if engine is tts else {})))

    def test_refuses_an_empty_prompt(self, sfx):
        with pytest.raises(EngineValidationError, match="Describe the sound"):
            sfx.validate(GenerationRequest(text=""))

    def test_leaves_the_prompt_length_limit_to_the_forms(self, sfx):
        sfx.validate(GenerationRequest(text="rain " * 100 + "x"))

    def test_refuses_a_bad_seed(self, sfx):
        with pytest.raises(EngineValidationError, match="seed"):
            sfx.validate(GenerationRequest(text="rain", params={"seed": -1}))


class TestProbeAudio:
    @pytest.mark.parametrize(
        "fmt,label,extension",
        [
            ("WAV", "WAV", ".wav"),
            ("FLAC", "FLAC", ".flac"),
            ("OGG", "OGG", ".ogg"),
            ("MP3", "MP3", ".mp3"),
        ],
    )
    def test_describes_each_accepted_format(self, fmt, label, extension):
        samples, rate = tone(2.0)
        buffer = io.BytesIO()
        soundfile.write(buffer, samples, rate, format=fmt)

        info = probe_audio(buffer.getvalue())

        assert (info.format, info.extension, info.sample_rate) == (label, extension, rate)
        assert info.duration_seconds == pytest.approx(2.0, abs=0.1)

    def test_refuses_an_html_page_renamed_wav(self):
        with pytest.raises(
            EngineValidationError, match=r"not audio we can read \(it looks like an HTML page\)"
        ):
            probe_audio(HTML)

    def test_refuses_an_empty_file(self):
        with pytest.raises(EngineValidationError, match="The file is empty"):
            probe_audio(b"")

    def test_refuses_a_truncated_wav(self):
        wav = encode_wav(*tone(1.0))

        with pytest.raises(EngineValidationError):
            probe_audio(wav[:30])

    def test_refuses_a_wav_header_with_garbage(self):
        with pytest.raises(EngineValidationError, match="damaged or unreadable"):
            probe_audio(b"RIFF\x24\x00\x00\x00WAVEjunk" + b"\x00" * 64)

    def test_refuses_a_recording_longer_than_the_limit_it_is_given(self):
        five_minutes_and_one = encode_wav(np.zeros(301 * 8000), 8000)

        with pytest.raises(EngineValidationError, match=r"^The recording is longer than 5 minutes; trim it"):
            probe_audio(five_minutes_and_one, max_seconds=300)
        assert probe_audio(five_minutes_and_one, max_seconds=600).duration_seconds == 301

    def test_a_damaged_file_is_refused_in_plain_words(self):
        header = encode_wav(np.zeros(8000), 8000)
        four_ghz = header[:24] + (4_000_000_000).to_bytes(4, "little") + header[28:]

        with pytest.raises(EngineValidationError) as refused:
            probe_audio(four_ghz)

        message = str(refused.value)
        assert message == "This WAV file is damaged or unreadable. Upload a WAV, MP3, OGG or FLAC file."

    def test_voice_conversion_validation_checks_the_upload(self):
        seedvc = get_engine("seedvc")

        with pytest.raises(EngineValidationError, match="HTML page"):
            seedvc.validate(ask(voice="woman", source_audio=HTML))
        with pytest.raises(EngineValidationError, match="empty"):
            seedvc.validate(ask(voice="woman", source_audio=b""))
        seedvc.validate(ask(voice="woman", source_audio=encode_wav(*tone(1.0))))


class TestUploadsThatWouldBeCostlyToDecode:
    """A few hundred KB of FLAC silence can hold minutes of 192 kHz, 8-channel audio."""

    @staticmethod
    def flac(rate: int, channels: int, seconds: float = 1.0) -> bytes:
        buffer = io.BytesIO()
        soundfile.write(buffer, np.zeros((int(rate * seconds), channels), dtype="float32"), rate, format="FLAC")
        return buffer.getvalue()

    def test_a_sample_rate_over_96_khz_is_refused(self):
        with pytest.raises(EngineValidationError, match="sample rate is 192 kHz"):
            probe_audio(self.flac(192_000, 1))

    def test_more_than_two_channels_are_refused(self):
        with pytest.raises(EngineValidationError, match="8 channels"):
            probe_audio(self.flac(48_000, 8))

    def test_stereo_48_khz_is_accepted_and_decoded_to_mono(self):
        from audio.engines.audio_files import decode_audio

        data = self.flac(48_000, 2, seconds=0.5)

        info = probe_audio(data)
        samples, rate = decode_audio(data)

        assert (info.sample_rate, rate) == (48_000, 48_000)
        assert samples.ndim == 1 and len(samples) == 24_000
