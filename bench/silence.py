"""The benchmarks' engine: 0.1 s of silence at once, for any service (BENCH_LOCAL_ENGINE in
bench/settings_silent.py). One voice, "silence"; nothing is refused."""

from __future__ import annotations

import io
import wave

from audio.engines.base import Engine, EngineResult, GenerationRequest, Voice

RATE = 8000


def silence_wav(seconds: float = 0.1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"\x00\x00" * int(seconds * RATE))
    return buffer.getvalue()


class SilenceEngine(Engine):
    engine_name = "bench-silence"

    def voices(self) -> list[Voice]:
        return [Voice(id="silence", name="Silence", description="0.1 s of silence (benchmarks only)")]

    def validate(self, request: GenerationRequest) -> None:
        return None

    def generate(self, request: GenerationRequest, *, on_piece=None) -> EngineResult:
        return EngineResult(wav=silence_wav())
