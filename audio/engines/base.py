"""What every engine shares: the voice record, the result, the errors and the input checks.

Nothing here imports an audio library, so the web process can list voices and validate
requests without loading a model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

SEED_MAX = 2**32 - 1


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    description: str  # what a person wants to know: "a deeper, slower male voice"
    details: str = ""  # provenance: where the model and its data come from, under which terms


@dataclass(frozen=True)
class GenerationRequest:
    """What an engine is asked to make. Each engine reads the fields its service uses.

    text: the words to speak (text to speech) or the sound's description (sound effects).
    source_key / source_audio: voice changer input, as a storage key and, when at hand, bytes.
    params: per-service settings kept on the clip (speed, seed, duration, pitch shift...).
    """

    voice: str = ""
    text: str = ""
    source_key: str = ""
    source_audio: bytes | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


# Called by engines that make audio piece by piece (text to speech) with each finished
# piece: mono float samples in [-1, 1] and their sample rate.
PieceCallback = Callable[[Any, int], None]


@dataclass
class EngineResult:
    """Local engines fill `wav` (mono 16-bit PCM WAV); HTTP engines fill `s3_key`. An engine
    that knows when each piece of text is spoken fills `segments`: (text, start_s, end_s)."""

    wav: bytes | None = None
    s3_key: str | None = None
    audio_url: str | None = None
    segments: list[tuple[str, float, float]] | None = None


class EngineError(Exception):
    """Anything an engine raises on purpose."""


class EngineValidationError(EngineError):
    """The request is wrong; the message is shown to the user as is."""


class TransientEngineError(EngineError):
    """Trying again later may work: connection error, timeout, 5xx."""


class PermanentEngineError(EngineError):
    """Trying again will not help: 4xx, or bad input only discovered while generating."""


class Engine:
    """One service's engine. Subclasses define voices(), validate() and generate()."""

    engine_name: str = ""
    # Whether generate() wants an upload's bytes in request.source_audio (local engines), or
    # only its storage key (HTTP engines: the GPU server reads the shared bucket itself).
    wants_source_bytes: bool = True

    @classmethod
    def options_from(cls, setting: Callable[[str, Any], Any]) -> dict:
        """Constructor arguments read from settings (``setting(name, default)``)."""
        return {}

    def voices(self) -> list[Voice]:
        raise NotImplementedError

    def validate(self, request: GenerationRequest) -> None:
        """Refuse a request the engine cannot make (EngineValidationError, in plain words).
        Cheap: no model is loaded. Length limits are the forms' job, not the engine's."""
        raise NotImplementedError

    def generate(self, request: GenerationRequest, *, on_piece: PieceCallback | None = None) -> EngineResult:
        raise NotImplementedError

    def health(self) -> dict:
        return {"ok": True, "engine": self.engine_name}

    def warm_up(self) -> None:
        """Load now what the first request would load (a model), so it is fast."""

    def check_voice(self, voice: str) -> None:
        ids = [v.id for v in self.voices()]
        if not voice or not isinstance(voice, str):
            raise EngineValidationError("Choose a voice.")
        if voice not in ids:
            raise EngineValidationError(
                f"Unknown voice “{voice}”. Choose one of: {', '.join(ids)}."
            )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} engine={self.engine_name}>"


def clean_text(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise EngineValidationError("Enter some text to speak.")
    text = text.strip()
    if not any(ch.isalnum() for ch in text):
        raise EngineValidationError("The text has no words to speak.")
    return text


def clean_seed(seed: int | None) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
        raise EngineValidationError(f"The seed must be a whole number from 0 to {SEED_MAX}.")
    return seed
