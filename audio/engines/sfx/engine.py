"""The sound-effect engine: a procedural synthesizer (numpy only), offline and instant.

Nothing is sampled or learned: every effect is built from shaped noise, damped resonances,
tones and envelopes, placed in time by a seeded random generator. The same prompt, duration
and seed give the same bytes; no seed picks a fresh random one each time (like a generative
model). Output: mono 16-bit PCM WAV at 22050 Hz. What it understands is in `vocabulary`.

The only voice is `default` (the synthesizer has no voices to choose). Importing this module
loads no numpy; the first render does.
"""

from __future__ import annotations

import secrets

from ..audio_files import encode_wav
from ..base import Engine, EngineResult, GenerationRequest, PieceCallback, Voice, clean_seed
from .vocabulary import VOCABULARY, Scene, parse_prompt

TARGET_RMS_DBFS = -18.0
DEFAULT_VOICE = Voice(
    id="default",
    name="Procedural synthesizer",
    description="Effects built from filtered noise, resonances and envelopes; see the vocabulary.",
)


class ProceduralSfxEngine(Engine):
    """Sound effects from a prompt: `request.text`, with `params` duration (seconds) and seed."""

    engine_name = "procedural"

    def voices(self) -> list[Voice]:
        return [DEFAULT_VOICE]

    def validate(self, request: GenerationRequest) -> None:
        self._scene(request)
        clean_seed(request.params.get("seed"))
        if request.voice:
            self.check_voice(request.voice)

    def generate(
        self, request: GenerationRequest, *, on_piece: PieceCallback | None = None
    ) -> EngineResult:
        """The whole clip at once (`on_piece` is not called: there are no pieces)."""
        scene = self._scene(request)
        seed = clean_seed(request.params.get("seed"))
        if seed is None:
            seed = secrets.randbits(32)
        from .dsp import SAMPLE_RATE  # numpy: loaded on the first render, not on import

        return EngineResult(wav=encode_wav(render(scene, seed), SAMPLE_RATE))

    @staticmethod
    def _scene(request: GenerationRequest) -> Scene:
        return parse_prompt(request.text, request.params.get("duration"))


def render(scene: Scene, seed: int):
    """Float samples in [-1, 1] at dsp.SAMPLE_RATE, exactly round(duration * rate) long."""
    import numpy as np

    from ..audio_files import normalise_loudness
    from . import dsp, kinds

    rng = np.random.default_rng(seed)
    n = int(round(scene.duration * dsp.SAMPLE_RATE))
    ctx = dsp.Context(rng, n, intensity=scene.intensity, rate=scene.rate)
    mix = np.zeros(n)
    for kind in scene.kinds:
        renderer = getattr(kinds, VOCABULARY[kind].renderer)
        layer = np.asarray(renderer(ctx), dtype=np.float64)
        rms = float(np.sqrt(np.mean(layer**2)))
        if rms > 1e-9:
            mix += layer / rms
    level = 1.0
    if scene.distance == "far":
        dry = dsp.shape(mix, hi=1800)
        mix = dry + dsp.convolve(dry, dsp.room(ctx, seconds=1.2, decay=0.35, hi=4000)) * 0.6
        level = 0.5
    if scene.intensity < 1:
        level *= 0.6
    fade = min(int(0.01 * dsp.SAMPLE_RATE), n // 4)
    if fade:
        ramp = np.linspace(0, 1, fade)
        mix[:fade] *= ramp
        mix[-fade:] *= ramp[::-1]
    return normalise_loudness(mix, target_rms_dbfs=TARGET_RMS_DBFS) * level
