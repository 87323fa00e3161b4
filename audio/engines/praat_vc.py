"""Voice conversion with Praat (praat-parselmouth), offline on the CPU.

The recording keeps its words and timing (duration factor 1.0: PSOLA resynthesis); what
changes is the voice's profile, the same targets the TTS voices use (voice_profiles.py):

1. the median pitch moves to the target voice's (andreas ~110 Hz, woman ~210 Hz, joe ~90 Hz);
2. formants are scaled by (target pitch / source pitch) ** 0.25, kept within 0.80..1.25, so a
   low voice made high also gets a smaller-sounding vocal tract, and the other way round;
3. the intonation range is the target's pitch-range factor;
4. ``params["pitch"]`` (whole semitones, -12..12, default 0) moves the target pitch further:
   +12 is an octave above the voice's own, -12 an octave below.

Input is any upload probe_audio() accepts (WAV, MP3, OGG, FLAC, decoded with libsndfile),
mixed to mono block by block and, above 48 kHz, decimated (96 kHz -> 48 kHz) while it is
read; the output has that rate and is loudness-normalised. Memory: the recording is held once
as float32 (5 minutes at 48 kHz: 58 MB) and once converted; Praat (float64, several copies
inside Change gender) only ever sees a chunk of ~30 s (see CHUNK_SECONDS), and freed heap
is returned to the system after the job.
"""

from __future__ import annotations

from .audio_files import decode_audio, encode_wav, loudness_gain, probe_audio
from .base import (
    Engine,
    EngineResult,
    EngineValidationError,
    GenerationRequest,
    PermanentEngineError,
    Voice,
)
from .memory import DEFAULT_BUDGET_MB, MB, MemoryBudget, release
from .voice_profiles import PROFILES

PITCH_FLOOR_HZ = 60.0
PITCH_CEILING_HZ = 600.0
FORMANT_EXPONENT = 0.25
FORMANT_LIMITS = (0.80, 1.25)
CANNOT_CONVERT = ("This recording could not be converted. Upload speech or singing recorded at 16 kHz or more "
                  "(most recorders do).")
# Long recordings are converted in chunks of about 30 s, cut in pauses and cross-faded over
# 2 x 50 ms: Praat's memory then follows the chunk, not the recording (a 5-minute 48 kHz upload
# converted whole peaked at ~925 MB).
CHUNK_SECONDS = 30.0
PITCH_SHIFT_LIMIT = 12  # semitones either way
OVERLAP_SECONDS = 0.05


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

    @classmethod
    def options_from(cls, setting) -> dict:
        return {"memory_budget_mb": setting("ENGINE_MEMORY_BUDGET_MB", DEFAULT_BUDGET_MB)}

    def __init__(self, memory_budget_mb: float | None = DEFAULT_BUDGET_MB):
        self.memory_budget = int(float(memory_budget_mb) * MB) if memory_budget_mb else None

    def voices(self) -> list[Voice]:
        return [profile.voice for profile in PROFILES.values()]

    def validate(self, request: GenerationRequest) -> None:
        self.check_voice(request.voice)
        clean_pitch_shift(request.params.get("pitch", 0))
        if request.source_audio is not None:
            probe_audio(request.source_audio)

    def generate(self, request: GenerationRequest, *, on_piece=None) -> EngineResult:
        self.check_voice(request.voice)
        source_audio = request.source_audio
        if source_audio is None:
            source_audio = _read_from_storage(request.source_key)
        probe_audio(source_audio)
        shift = clean_pitch_shift(request.params.get("pitch", 0))
        budget = MemoryBudget(self.memory_budget)
        samples, sample_rate = decode_audio(source_audio)
        try:
            converted = self.convert_raw(samples, sample_rate, request.voice, budget, pitch_shift=shift)
            del samples
            return EngineResult(
                wav=encode_wav(converted, sample_rate, gain=loudness_gain(converted))
            )
        finally:
            release()

    def convert(self, samples, sample_rate: int, voice: str, pitch_shift: int = 0):
        """`samples` in `voice`, loudness-normalised (float32)."""
        converted = self.convert_raw(samples, sample_rate, voice, pitch_shift=pitch_shift)
        converted *= loudness_gain(converted)
        return converted

    def convert_raw(self, samples, sample_rate: int, voice: str, budget: MemoryBudget | None = None,
                    *, pitch_shift: int = 0):
        """`samples` in `voice` (float32, not yet normalised), converted chunk by chunk, the
        memory budget checked after each; ``pitch_shift`` semitones above the voice's pitch."""
        import numpy as np

        profile = PROFILES[voice]
        samples = np.asarray(samples, dtype=np.float32)
        bounds = chunk_bounds(samples, sample_rate)
        voiced = [_voiced_frequencies(samples[a:b], sample_rate) for a, b in bounds]
        voiced = np.concatenate(voiced) if voiced else np.zeros(0)
        if not voiced.size:
            raise PermanentEngineError(
                "We could not find a speaking or singing voice in this recording."
            )
        target_pitch = profile.median_pitch_hz * 2 ** (pitch_shift / 12)
        ratio = (target_pitch / float(np.median(voiced))) ** FORMANT_EXPONENT
        formant_shift = min(max(ratio, FORMANT_LIMITS[0]), FORMANT_LIMITS[1])
        overlap = int(OVERLAP_SECONDS * sample_rate)
        out = np.zeros(samples.size, dtype=np.float32)
        for a, b in bounds:
            lo, hi = max(0, a - overlap), min(samples.size, b + overlap)
            changed = _change_gender(samples[lo:hi], sample_rate, profile, formant_shift, target_pitch)
            if lo > 0:  # fade in over the overlap with the chunk before
                changed[: 2 * overlap] *= np.linspace(0, 1, 2 * overlap, dtype=np.float32)
            if hi < samples.size:  # and out over the overlap with the next
                changed[-2 * overlap :] *= np.linspace(1, 0, 2 * overlap, dtype=np.float32)
            out[lo:hi] += changed
            if budget is not None:
                budget.check()
        return out


def chunk_bounds(samples, sample_rate: int, seconds: float = CHUNK_SECONDS) -> list[tuple[int, int]]:
    """[start, end) of chunks of about `seconds`, each cut at the quietest 10 ms within two
    seconds of the mark, so the seams fall in pauses."""
    import numpy as np

    n = len(samples)
    size = int(seconds * sample_rate)
    if n <= size * 1.5:
        return [(0, n)] if n else []
    frame = max(1, sample_rate // 100)
    search = 2 * sample_rate
    cuts = [0]
    while n - cuts[-1] > size * 1.5:
        mark = cuts[-1] + size
        lo, hi = mark - search, min(n - frame, mark + search)
        window = samples[lo:hi]
        frames = len(window) // frame
        energy = np.square(window[: frames * frame].reshape(frames, frame), dtype=np.float32).sum(axis=1)
        cuts.append(lo + int(np.argmin(energy)) * frame + frame // 2)
    cuts.append(n)
    return list(zip(cuts[:-1], cuts[1:]))


def _voiced_frequencies(samples, sample_rate: int):
    import numpy as np
    import parselmouth

    sound = parselmouth.Sound(np.asarray(samples, dtype=np.float64), sampling_frequency=sample_rate)
    try:
        frequencies = sound.to_pitch(pitch_floor=PITCH_FLOOR_HZ, pitch_ceiling=PITCH_CEILING_HZ)
    except parselmouth.PraatError as exc:  # e.g. a sample rate too low to analyse
        raise PermanentEngineError(CANNOT_CONVERT) from exc
    voiced = frequencies.selected_array["frequency"]
    return voiced[voiced > 0]


def _change_gender(samples, sample_rate: int, profile, formant_shift: float, target_pitch: float):
    """Praat "Change gender" on one chunk, as float32 of the chunk's length."""
    import numpy as np
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(np.asarray(samples, dtype=np.float64), sampling_frequency=sample_rate)
    try:
        changed = call(
            sound,
            "Change gender",
            PITCH_FLOOR_HZ,
            PITCH_CEILING_HZ,
            formant_shift,
            target_pitch,
            profile.pitch_range,
            1.0,
        )
    except parselmouth.PraatError as exc:
        raise PermanentEngineError(CANNOT_CONVERT) from exc  # Praat's words go to the log only
    values = changed.values[0]
    out = np.zeros(len(samples), dtype=np.float32)
    out[: min(len(values), len(out))] = values[: len(out)]
    return out


def clean_pitch_shift(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > PITCH_SHIFT_LIMIT:
        raise EngineValidationError(f"The pitch shift must be a whole number of semitones from "
                                    f"-{PITCH_SHIFT_LIMIT} to {PITCH_SHIFT_LIMIT}.")
    return value


def _read_from_storage(source_key: str | None) -> bytes:
    if not source_key:
        raise EngineValidationError("Upload a recording to convert.")
    from django.core.files.storage import default_storage

    try:
        with default_storage.open(source_key, "rb") as stored:
            return stored.read()
    except FileNotFoundError:
        raise PermanentEngineError("The uploaded recording is no longer in storage.") from None
