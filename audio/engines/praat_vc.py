"""Voice conversion with Praat (praat-parselmouth), offline on the CPU.

The recording keeps its words and timing (duration factor 1.0: PSOLA resynthesis); what
changes is the voice's profile, the same targets the TTS voices use (voice_profiles.py):

1. the median pitch moves to the target voice's (andreas ~110 Hz, woman ~210 Hz, joe ~90 Hz);
2. formants are scaled by (target pitch / source pitch) ** 0.25, kept within 0.80..1.25, so a
   low voice made high also gets a smaller-sounding vocal tract, and the other way round;
3. the intonation range is the target's pitch-range factor.

Input is any upload probe_audio() accepts (WAV, MP3, OGG, FLAC, decoded with libsndfile),
mixed to mono block by block and, above 48 kHz, decimated (96 kHz -> 48 kHz) while it is
read; the output has that rate and is loudness-normalised. Memory: Praat works in float64, so
a 5-minute 48 kHz upload is ~115 MB per copy; one copy is made for the analysis and the
conversion, and freed heap is returned to the system after the job.
"""

from __future__ import annotations

from .audio_files import decode_audio, encode_wav, normalise_loudness, probe_audio
from .memory import release
from .base import (
    Engine,
    EngineResult,
    EngineValidationError,
    GenerationRequest,
    PermanentEngineError,
    Voice,
)
from .voice_profiles import PROFILES

PITCH_FLOOR_HZ = 60.0
PITCH_CEILING_HZ = 600.0
FORMANT_EXPONENT = 0.25
FORMANT_LIMITS = (0.80, 1.25)
CANNOT_CONVERT = ("This recording could not be converted. Upload speech or singing recorded at 16 kHz or more "
                  "(most recorders do).")


def median_pitch(samples, sample_rate: int) -> float | None:
    """Median F0 of the voiced frames in Hz (Praat autocorrelation), or None if unvoiced."""
    import numpy as np
    import parselmouth

    sound = parselmouth.Sound(np.asarray(samples, dtype=np.float64), sampling_frequency=sample_rate)
    return _median_pitch(sound)


def _median_pitch(sound) -> float | None:
    import numpy as np

    frequencies = sound.to_pitch(pitch_floor=PITCH_FLOOR_HZ, pitch_ceiling=PITCH_CEILING_HZ)
    voiced = frequencies.selected_array["frequency"]
    voiced = voiced[voiced > 0]
    return float(np.median(voiced)) if voiced.size else None


class PraatVoiceConversionEngine(Engine):
    engine_name = "praat"

    def voices(self) -> list[Voice]:
        return [profile.voice for profile in PROFILES.values()]

    def validate(self, request: GenerationRequest) -> None:
        self.check_voice(request.voice)
        if request.source_audio is not None:
            probe_audio(request.source_audio)

    def generate(self, request: GenerationRequest, *, on_piece=None) -> EngineResult:
        self.check_voice(request.voice)
        source_audio = request.source_audio
        if source_audio is None:
            source_audio = _read_from_storage(request.source_key)
        probe_audio(source_audio)
        samples, sample_rate = decode_audio(source_audio)
        del source_audio
        try:
            converted = self.convert(samples, sample_rate, request.voice)
            del samples
            return EngineResult(wav=encode_wav(converted, sample_rate))
        finally:
            release()

    def convert(self, samples, sample_rate: int, voice: str):
        import numpy as np
        import parselmouth
        from parselmouth.praat import call

        profile = PROFILES[voice]
        # One float64 copy for Praat, used for the pitch analysis and the conversion.
        sound = parselmouth.Sound(np.asarray(samples, dtype=np.float64), sampling_frequency=sample_rate)
        try:
            source_pitch = _median_pitch(sound)
        except parselmouth.PraatError as exc:  # e.g. a sample rate too low to analyse
            raise PermanentEngineError(CANNOT_CONVERT) from exc
        if source_pitch is None:
            raise PermanentEngineError(
                "We could not find a speaking or singing voice in this recording."
            )
        ratio = (profile.median_pitch_hz / source_pitch) ** FORMANT_EXPONENT
        formant_shift = min(max(ratio, FORMANT_LIMITS[0]), FORMANT_LIMITS[1])
        try:
            changed = call(
                sound,
                "Change gender",
                PITCH_FLOOR_HZ,
                PITCH_CEILING_HZ,
                formant_shift,
                profile.median_pitch_hz,
                profile.pitch_range,
                1.0,
            )
        except parselmouth.PraatError as exc:
            raise PermanentEngineError(CANNOT_CONVERT) from exc  # Praat's words go to the log only
        del sound
        return normalise_loudness(changed.values[0])  # a float32 copy; Praat's is freed


def _read_from_storage(source_key: str | None) -> bytes:
    if not source_key:
        raise EngineValidationError("Upload a recording to convert.")
    from django.core.files.storage import default_storage

    try:
        with default_storage.open(source_key, "rb") as stored:
            return stored.read()
    except FileNotFoundError:
        raise PermanentEngineError("The uploaded recording is no longer in storage.") from None
