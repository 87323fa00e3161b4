import io

import numpy as np
import pytest
import soundfile

from audio.engines import PermanentEngineError
from audio.engines.audio_files import encode_wav
from audio.engines.praat_vc import median_pitch

from .conftest import decode, rms
from tests.factories import ask


def pitch_of(wav: bytes) -> float:
    return median_pitch(*decode(wav))


class TestPraatVoiceConversion:
    def test_moves_a_male_voice_to_woman_and_back(self, vc, male_recording):
        assert pitch_of(male_recording) < 120

        woman = vc.generate(ask(voice="woman", source_audio=male_recording)).wav
        back = vc.generate(ask(voice="andreas", source_audio=woman)).wav

        assert pitch_of(woman) == pytest.approx(210, rel=0.1)
        assert pitch_of(back) == pytest.approx(110, rel=0.1)

    def test_keeps_the_duration_and_is_audible(self, vc, male_recording):
        source, rate = decode(male_recording)

        converted, converted_rate = decode(
            vc.generate(ask(voice="woman", source_audio=male_recording)).wav
        )

        assert converted_rate == rate
        assert len(converted) == pytest.approx(len(source), rel=0.05)
        assert rms(converted) > 0.03

    @pytest.mark.parametrize("fmt", ["FLAC", "OGG", "MP3"])
    def test_reads_compressed_uploads(self, vc, male_recording, fmt):
        samples, rate = decode(male_recording)
        buffer = io.BytesIO()
        soundfile.write(buffer, samples, rate, format=fmt)

        converted, _ = decode(vc.generate(ask(voice="woman", source_audio=buffer.getvalue())).wav)

        assert len(converted) / rate == pytest.approx(len(samples) / rate, rel=0.05)

    def test_converts_a_synthetic_voiced_signal(self, vc):
        rate = 16000
        t = np.arange(3 * rate) / rate
        f0 = 120 + 10 * np.sin(2 * np.pi * 0.5 * t)
        phase = 2 * np.pi * np.cumsum(f0) / rate
        voiced = sum(np.sin(k * phase) / k for k in range(1, 20)) * 0.2

        out, out_rate = decode(
            vc.generate(ask(voice="woman", source_audio=encode_wav(voiced, rate))).wav
        )

        assert median_pitch(out, out_rate) == pytest.approx(210, rel=0.1)

    def test_refuses_a_recording_without_a_voice(self, vc):
        silence = np.zeros(16000)

        with pytest.raises(
            PermanentEngineError, match="could not find a speaking or singing voice"
        ):
            vc.generate(ask(voice="woman", source_audio=encode_wav(silence, 16000)))

    def test_reads_the_source_from_storage_when_given_a_key(self, vc, storage, male_recording):
        key = storage.save("seedvc-inputs/source.wav", io.BytesIO(male_recording))

        converted, _ = decode(vc.generate(ask(voice="woman", source_key=key)).wav)

        assert rms(converted) > 0.03


class TestRecordingsPraatCannotAnalyse:
    def test_are_refused_in_plain_words_with_the_library_error_kept_as_the_cause(self, vc):
        from audio.engines.praat_vc import CANNOT_CONVERT
        from tests.audio.test_uploads import _tone_at

        with pytest.raises(PermanentEngineError) as refused:
            vc.generate(ask(voice="woman", source_audio=_tone_at(50)))

        assert str(refused.value) == CANNOT_CONVERT
        assert "Analysis window" in str(refused.value.__cause__)


class TestLongRecordings:
    def test_a_long_recording_is_converted_in_chunks_cut_in_pauses_without_seams(self, vc):
        from audio.engines.praat_vc import CHUNK_SECONDS, chunk_bounds

        rate = 16000
        t = np.arange(int(70 * rate)) / rate
        f0 = 120 + 10 * np.sin(2 * np.pi * 0.5 * t)
        phase = 2 * np.pi * np.cumsum(f0) / rate
        voiced = sum(np.sin(k * phase) / k for k in range(1, 20)) * 0.2
        voiced[(t % 5) > 4.6] = 0  # a pause every 5 s
        bounds = chunk_bounds(voiced.astype(np.float32), rate)

        assert len(bounds) == 2 and bounds[0][0] == 0 and bounds[-1][1] == len(voiced)
        assert abs(bounds[0][1] / rate - CHUNK_SECONDS) <= 2
        assert voiced[bounds[0][1]] == 0  # the seam is in a pause

        out, out_rate = decode(vc.generate(ask(voice="woman", source_audio=encode_wav(voiced, rate))).wav)

        assert len(out) == len(voiced)
        for a, b in bounds:
            assert median_pitch(out[a:b], out_rate) == pytest.approx(210, rel=0.1)


class TestPitchShift:
    def test_an_octave_up_doubles_the_target_pitch(self, vc, male_recording):
        plain = vc.generate(ask(voice="andreas", source_audio=male_recording)).wav
        higher = vc.generate(ask(voice="andreas", source_audio=male_recording, params={"pitch": 12})).wav

        assert pitch_of(plain) == pytest.approx(110, rel=0.1)
        assert pitch_of(higher) == pytest.approx(220, rel=0.1)

    @pytest.mark.parametrize("shift", [13, -13, 1.5, "3", True])
    def test_refuses_a_shift_out_of_range_in_words(self, vc, male_recording, shift):
        from audio.engines import EngineValidationError

        with pytest.raises(EngineValidationError, match="whole number of semitones from -12 to 12"):
            vc.validate(ask(voice="andreas", source_audio=male_recording, params={"pitch": shift}))
