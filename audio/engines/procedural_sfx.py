"""Sound effects from a procedural synthesizer (numpy only), offline and instant.

Nothing is sampled or learned: every effect is built from shaped noise, damped resonances,
tones and envelopes, placed in time by a seeded random generator. Same prompt + seed gives
the same bytes; seed=None picks a fresh random seed each time (like a generative model).

Vocabulary (kind: what it sounds like; the words that ask for it are in VOCABULARY):

    rain, wind, thunder, ocean waves, fire, footsteps, door knock, clock ticking, heartbeat,
    applause, engine, whoosh, explosion, beep, alarm, siren, birds, crickets, stream, bell,
    typing, helicopter, phone ringing, dripping, static

A prompt may name up to three kinds ("rain and thunder", "footsteps in the rain"); they are
mixed. Modifiers: heavy / light (density and level), near / far (far is quieter, duller and
reverberant), fast / slow (rate of events). Duration 0.5-22 s, default 5; an explicit
`duration` argument wins over a duration in the prompt ("3 seconds", "10 s"). A prompt with no
known kind is refused with the list of kinds. Output: mono 16-bit PCM WAV at 22050 Hz.

The only voice of this service is `default` (the synthesizer has no voices to choose).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Callable

from .audio_files import encode_wav
from .base import (
    DURATION_DEFAULT_SECONDS,
    DURATION_MAX_SECONDS,
    DURATION_MIN_SECONDS,
    Engine,
    EngineResult,
    EngineValidationError,
    Voice,
    clean_duration,
    clean_prompt,
    clean_seed,
)

SAMPLE_RATE = 22050
MAX_KINDS_PER_PROMPT = 3
DEFAULT_VOICE = Voice(
    id="default",
    name="Procedural synthesizer",
    description="Effects built from filtered noise, resonances and envelopes; see the vocabulary.",
)


@dataclass(frozen=True)
class SoundKind:
    id: str
    synonyms: tuple[str, ...]
    description: str
    render: Callable


@dataclass(frozen=True)
class Modifier:
    id: str
    synonyms: tuple[str, ...]
    description: str


@dataclass
class Scene:
    """One request, parsed: what to render and how."""

    kinds: list[str]
    duration: float
    intensity: float = 1.0  # heavy > 1 > light
    rate: float = 1.0  # fast > 1 > slow
    distance: str = "normal"  # near / normal / far


# -- signal helpers ----------------------------------------------------------------------------


class _Ctx:
    def __init__(self, rng, n: int, scene: Scene):
        self.rng = rng
        self.n = n
        self.sr = SAMPLE_RATE
        self.duration = n / SAMPLE_RATE
        self.intensity = scene.intensity
        self.rate = scene.rate
        self.t = None

    def time(self):
        import numpy as np

        if self.t is None:
            self.t = np.arange(self.n) / self.sr
        return self.t


def _fft_size(n: int) -> int:
    return 1 << max(int(n - 1).bit_length(), 1)


def shape(x, lo: float | None = None, hi: float | None = None, order: int = 2, tilt: float = 0.0):
    """Zero-phase filter in the frequency domain: high-pass `lo`, low-pass `hi`, spectral tilt
    (-0.5 per octave-ish is pink, -1 brown)."""
    import numpy as np

    n = len(x)
    size = _fft_size(n)
    spectrum = np.fft.rfft(x, size)
    f = np.fft.rfftfreq(size, 1 / SAMPLE_RATE)
    gain = np.ones_like(f)
    if hi:
        gain /= np.sqrt(1 + (f / hi) ** (2 * order))
    if lo:
        with np.errstate(divide="ignore"):
            gain /= np.sqrt(1 + (lo / np.maximum(f, 1e-3)) ** (2 * order))
    if tilt:
        gain *= (np.maximum(f, 20.0) / 1000.0) ** tilt
    return np.fft.irfft(spectrum * gain, size)[:n]


def convolve(x, kernel):
    import numpy as np

    n = len(x)
    size = _fft_size(n + len(kernel))
    return np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(kernel, size), size)[:n]


def wobble(ctx: _Ctx, points_per_second: float, low: float, high: float):
    """A smooth random curve between low and high (cosine-interpolated control points)."""
    import numpy as np

    count = max(int(ctx.duration * points_per_second) + 3, 3)
    values = ctx.rng.uniform(low, high, count)
    position = ctx.time() * points_per_second
    index = np.minimum(position.astype(int), count - 2)
    frac = position - index
    frac = (1 - np.cos(np.pi * frac)) / 2
    return values[index] * (1 - frac) + values[index + 1] * frac


def place(ctx: _Ctx, times, kernel, amplitudes=None):
    """Add `kernel` at each time (seconds) with the given amplitudes."""
    import numpy as np

    train = np.zeros(ctx.n)
    times = np.asarray(times, dtype=float)
    keep = (times >= 0) & (times < ctx.duration)
    times = times[keep]
    if amplitudes is None:
        amplitudes = np.ones(len(times))
    else:
        amplitudes = np.asarray(amplitudes, dtype=float)[keep]
    if not len(times):
        return train
    starts = (times * ctx.sr).astype(int)
    if len(starts) * len(kernel) > 4 * ctx.n:  # many or long events: one FFT convolution
        np.add.at(train, starts, amplitudes)
        return convolve(train, kernel)
    # Few short events: add them directly.
    for start, amplitude in zip(starts, amplitudes, strict=True):
        end = min(start + len(kernel), ctx.n)
        train[start:end] += amplitude * kernel[: end - start]
    return train


def random_times(ctx: _Ctx, per_second: float):
    import numpy as np

    count = ctx.rng.poisson(max(per_second, 0.0) * ctx.duration)
    return np.sort(ctx.rng.uniform(0, ctx.duration, count))


def regular_times(ctx: _Ctx, interval: float, start: float = 0.1, jitter: float = 0.0):
    import numpy as np

    times = np.arange(start, ctx.duration, interval)
    if jitter:
        times = times + ctx.rng.normal(0, jitter * interval, len(times))
    return times


def burst(ctx: _Ctx, length: float, decay: float, lo=None, hi=None, attack: float = 0.001):
    """A short filtered noise burst with a fast attack and exponential decay."""
    import numpy as np

    n = max(int(length * ctx.sr), 8)
    t = np.arange(n) / ctx.sr
    env = np.exp(-t / decay) * np.minimum(t / attack, 1.0)
    return shape(ctx.rng.standard_normal(n), lo=lo, hi=hi) * env


def ring(ctx: _Ctx, partials, length: float):
    """Damped sinusoids: partials = [(frequency, amplitude, decay seconds), ...]."""
    import numpy as np

    n = max(int(length * ctx.sr), 8)
    t = np.arange(n) / ctx.sr
    out = np.zeros(n)
    for freq, amp, decay in partials:
        out += (
            amp * np.sin(2 * np.pi * freq * t + ctx.rng.uniform(0, 2 * np.pi)) * np.exp(-t / decay)
        )
    return out * np.minimum(t / 0.0015, 1.0)


def sweep_tone(ctx: _Ctx, f_start, f_end, length, harmonics=(1.0,), curve="exp"):
    import numpy as np

    n = max(int(length * ctx.sr), 8)
    x = np.linspace(0, 1, n)
    if curve == "exp":
        freq = f_start * (f_end / f_start) ** x
    else:
        freq = f_start + (f_end - f_start) * x
    phase = 2 * np.pi * np.cumsum(freq) / ctx.sr
    return sum(a * np.sin((k + 1) * phase) for k, a in enumerate(harmonics))


def _room(ctx: _Ctx, seconds: float, decay: float, hi: float):
    """A unit-energy reverb impulse response: exponentially decaying filtered noise."""
    import numpy as np

    n = int(seconds * ctx.sr)
    tail = shape(ctx.rng.standard_normal(n), hi=hi) * np.exp(-np.arange(n) / (decay * ctx.sr))
    tail *= np.minimum(np.arange(n) / (0.005 * ctx.sr), 1)  # no direct-sound spike
    return tail / np.sqrt(np.sum(tail**2))


def _unit(x):
    import numpy as np

    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    return x / peak if peak > 1e-12 else x


# -- the kinds ---------------------------------------------------------------------------------


def _rain(ctx):
    import numpy as np

    noise = ctx.rng.standard_normal(ctx.n)
    bed = shape(noise, lo=500 / ctx.intensity**0.5, hi=9000, tilt=-0.3) * wobble(ctx, 0.5, 0.8, 1.0)
    drops = np.zeros(ctx.n)
    for _ in range(4):
        kernel = burst(
            ctx, 0.02, ctx.rng.uniform(0.002, 0.006), lo=ctx.rng.uniform(1500, 3500), hi=8000
        )
        times = random_times(ctx, 25 * ctx.intensity)
        drops += place(ctx, times, _unit(kernel), ctx.rng.uniform(0.1, 1.0, len(times)))
    return _unit(bed) * 0.6 * min(ctx.intensity, 1.5) + _unit(drops) * 0.5


def _wind(ctx):
    out = 0
    for lo, hi, gain in ((120, 700, 1.0), (400, 1800, 0.5), (900, 3500, 0.2)):
        layer = shape(ctx.rng.standard_normal(ctx.n), lo=lo, hi=hi)
        out = out + _unit(layer) * gain * wobble(ctx, 0.35 * ctx.rate, 0.05, 1.0) ** 1.5
    whistle = shape(ctx.rng.standard_normal(ctx.n), lo=650, hi=720, order=6)
    out = out + _unit(whistle) * 0.25 * ctx.intensity * wobble(ctx, 0.3 * ctx.rate, 0.0, 1.0) ** 3
    return out


def _thunder(ctx):
    import numpy as np

    out = np.zeros(ctx.n)
    count = max(1, int(ctx.duration / (7 / ctx.rate)))
    starts = [ctx.rng.uniform(0.05, 0.4)] + list(
        ctx.rng.uniform(2, max(ctx.duration - 2, 2.1), count - 1)
    )
    t = ctx.time()
    for start in starts:
        local = np.maximum(t - start, 0)
        active = t >= start
        tau = ctx.rng.uniform(1.2, 2.5) * ctx.intensity**0.5
        rumble = shape(ctx.rng.standard_normal(ctx.n), hi=260, tilt=-0.6)
        rumble = _unit(rumble) * np.exp(-local / tau) * np.minimum(local / 0.08, 1) * active
        rumble *= wobble(ctx, 6, 0.3, 1.0)
        crack = shape(ctx.rng.standard_normal(ctx.n), lo=800, hi=7000)
        crack = _unit(crack) * np.exp(-local / 0.07) * active * 0.6
        out += rumble + crack * ctx.intensity
    return out


def _ocean(ctx):
    import numpy as np

    t = ctx.time()
    period = 5.5 / ctx.rate
    env = np.zeros(ctx.n)
    crest = ctx.rng.uniform(0.8, 1.6)
    while crest < ctx.duration + period:
        rise, fall = period * 0.45, period * 0.25
        before = np.clip((t - (crest - rise)) / rise, 0, 1) ** 2 * (t <= crest)
        after = np.exp(-np.maximum(t - crest, 0) / fall) * (t > crest)
        env = np.maximum(env, (before + after) * ctx.rng.uniform(0.7, 1.0))
        crest += period * ctx.rng.uniform(0.85, 1.15)
    env = env**1.5
    hiss = _unit(shape(ctx.rng.standard_normal(ctx.n), lo=300, hi=6000, tilt=-0.4))
    body = _unit(shape(ctx.rng.standard_normal(ctx.n), hi=350, tilt=-0.5))
    return hiss * (0.03 + env) * 0.7 + body * (0.1 + 0.9 * np.roll(env, int(0.3 * ctx.sr))) * 0.6


def _fire(ctx):
    import numpy as np

    rumble = _unit(shape(ctx.rng.standard_normal(ctx.n), hi=250, tilt=-0.5)) * wobble(
        ctx, 3, 0.4, 1.0
    )
    hiss = _unit(shape(ctx.rng.standard_normal(ctx.n), lo=2500, hi=9000)) * wobble(
        ctx, 8, 0.0, 0.15
    )
    crackles = np.zeros(ctx.n)
    for _ in range(5):
        kernel = _unit(
            burst(
                ctx, 0.012, ctx.rng.uniform(0.0008, 0.003), lo=ctx.rng.uniform(600, 2500), hi=9000
            )
        )
        times = random_times(ctx, 4 * ctx.intensity)
        crackles += place(ctx, times, kernel, ctx.rng.pareto(2.5, len(times)) * 0.3 + 0.1)
    return rumble * 0.4 + hiss + _unit(crackles) * 0.9


def _footsteps(ctx):
    import numpy as np

    interval = 0.55 / ctx.rate
    times = regular_times(ctx, interval, start=0.15, jitter=0.03)
    out = np.zeros(ctx.n)
    for i, side in enumerate((0, 1)):
        heel = _unit(burst(ctx, 0.08, 0.018 * ctx.intensity**0.5, lo=60, hi=500 + 300 * i))
        toe = _unit(burst(ctx, 0.06, 0.012, lo=900, hi=4000)) * 0.25
        kernel = np.concatenate([heel, np.zeros(int(0.05 * ctx.sr))])
        kernel[int(0.06 * ctx.sr) : int(0.06 * ctx.sr) + len(toe)] += toe
        mine = times[side::2]
        out += place(ctx, mine, kernel, ctx.rng.uniform(0.7, 1.0, len(mine)))
    return out


def _knock_kernel(ctx):
    body = ring(
        ctx, [(175 / ctx.intensity**0.3, 1.0, 0.05), (410, 0.5, 0.03), (950, 0.25, 0.015)], 0.25
    )
    click = burst(ctx, 0.01, 0.002, lo=1500, hi=6000)
    body[: len(click)] += _unit(click) * 0.4
    return _unit(body)


def _door_knock(ctx):
    import numpy as np

    kernel = _knock_kernel(ctx)
    times, amps = [], []
    start = 0.1
    gap = 0.17 / ctx.rate
    while start < ctx.duration:
        count = int(ctx.rng.integers(2, 5))
        for k in range(count):
            times.append(start + k * gap + ctx.rng.normal(0, 0.01))
            amps.append(ctx.rng.uniform(0.75, 1.0))
        start += count * gap + ctx.rng.uniform(1.2, 2.0) / ctx.rate
    return place(ctx, np.array(times), kernel, np.array(amps))


def _clock(ctx):
    interval = 0.5 / ctx.rate
    out = 0
    for i, scale in enumerate((1.0, 0.85)):
        kernel = ring(
            ctx,
            [(3100 * scale, 1, 0.004), (5200 * scale, 0.6, 0.003), (1500 * scale, 0.4, 0.012)],
            0.06,
        )
        out = out + place(
            ctx, regular_times(ctx, 2 * interval, start=0.1 + i * interval), _unit(kernel)
        )
    return out


def _heartbeat(ctx):
    bpm = 66 * ctx.rate
    beat = 60 / bpm
    lub = ring(ctx, [(52, 1.0, 0.05), (38, 0.6, 0.06), (110, 0.3, 0.02)], 0.25)
    dub = ring(ctx, [(68, 0.7, 0.04), (140, 0.3, 0.015)], 0.2)
    times = regular_times(ctx, beat, start=0.1, jitter=0.01)
    return place(ctx, times, _unit(lub)) + place(ctx, times + 0.32 * beat**0.5, _unit(dub) * 0.7)


def _applause(ctx):
    import numpy as np

    out = np.zeros(ctx.n)
    for _ in range(8):
        kernel = _unit(
            burst(
                ctx,
                0.04,
                ctx.rng.uniform(0.006, 0.014),
                lo=ctx.rng.uniform(700, 1500),
                hi=ctx.rng.uniform(3000, 6500),
            )
        )
        times = random_times(ctx, 5 * ctx.intensity * ctx.rate)
        out += place(ctx, times, kernel, ctx.rng.uniform(0.3, 1.0, len(times)))
    t = ctx.time()
    fade = min(0.3, ctx.duration / 4)
    tail = min(1.0, ctx.duration / 3)
    env = np.minimum(t / fade, 1) * np.clip((ctx.duration - t) / tail, 0, 1) ** 0.7
    return out * env


def _engine(ctx):
    import numpy as np

    rpm = 850 * ctx.rate**1.5
    firing = rpm / 60 * 2
    freq = firing * wobble(ctx, 1.5, 0.97, 1.03)
    phase = 2 * np.pi * np.cumsum(freq) / ctx.sr
    tone = sum(np.sin(k * phase + ctx.rng.uniform(0, 6.28)) / k**0.8 for k in range(1, 14))
    roughness = 1 + 0.5 * shape(ctx.rng.standard_normal(ctx.n), hi=firing * 2) / 0.3
    rumble = _unit(shape(ctx.rng.standard_normal(ctx.n), hi=400, tilt=-0.5))
    return shape(_unit(tone) * roughness, hi=1800) + rumble * 0.3 * ctx.intensity


def _whoosh(ctx):
    import numpy as np

    count = max(1, round(ctx.duration / (1.8 / ctx.rate)))
    slot = ctx.duration / count
    centers = (250, 500, 1000, 2000, 4000)
    layers = [_unit(shape(ctx.rng.standard_normal(ctx.n), lo=c / 1.5, hi=c * 1.5)) for c in centers]
    out = np.zeros(ctx.n)
    for i in range(count):
        length = min(slot * 0.9, 1.1 / ctx.rate)
        start = i * slot + (slot - length) * ctx.rng.uniform(0.2, 0.8)
        first, last = int(start * ctx.sr), min(int((start + length) * ctx.sr), ctx.n)
        x = np.linspace(0, 1, last - first)
        env = np.sin(np.pi * x) ** 3
        position = np.sin(np.pi * x) * (len(centers) - 1)  # low -> high -> low
        for k, layer in enumerate(layers):
            out[first:last] += layer[first:last] * env * np.exp(-((position - k) ** 2) / 0.8)
    return out


def _explosion(ctx):
    import numpy as np

    impact = _unit(shape(ctx.rng.standard_normal(ctx.n), lo=200))
    body = _unit(shape(ctx.rng.standard_normal(ctx.n), hi=700, tilt=-0.5))
    rumble = _unit(shape(ctx.rng.standard_normal(ctx.n), hi=110))
    out = np.zeros(ctx.n)
    starts = [0.05] + [float(s) for s in np.arange(8.0, ctx.duration - 2, 8.0 / ctx.rate)]
    for start in starts:
        first = int(start * ctx.sr)
        local = np.arange(ctx.n - first) / ctx.sr
        segment = slice(first, ctx.n)
        drop = np.sin(2 * np.pi * np.cumsum(30 + 40 * np.exp(-local / 0.3)) / ctx.sr) * np.exp(
            -local / 0.6
        )
        out[segment] += (
            impact[segment] * np.exp(-local / 0.03) * 0.5
            + body[segment] * np.exp(-local / (0.7 * ctx.intensity))
            + rumble[segment] * np.exp(-local / (2.2 * ctx.intensity)) * 0.8
            + drop * 0.5
        ) * np.minimum(local / 0.004, 1)
    return out


def _tone_pattern(ctx, freqs, on, off, group=1, group_gap=0.0, start=0.1):
    """Beeps: `group` tones of length `on` separated by `off`, then `group_gap`, repeated."""
    import numpy as np

    t = ctx.time()
    out = np.zeros(ctx.n)
    cycle = group * (on + off) + group_gap
    local = np.mod(t - start, cycle) * (t >= start)
    gate = np.zeros(ctx.n)
    for g in range(group):
        s = g * (on + off)
        inside = (local >= s) & (local < s + on) & (t >= start)
        x = local - s
        gate += inside * np.minimum(np.minimum(x, on - x) / 0.005, 1)
    for f in freqs:
        out += np.sin(2 * np.pi * f * t)
    return out * gate


def _beep(ctx):
    return _tone_pattern(ctx, (1000,), on=0.15, off=0.85 / ctx.rate)


def _alarm(ctx):
    return _tone_pattern(
        ctx,
        (2400, 2600),
        on=0.07 / ctx.rate,
        off=0.07 / ctx.rate,
        group=4,
        group_gap=0.45 / ctx.rate,
    )


def _siren(ctx):
    import numpy as np

    t = ctx.time()
    period = 4.0 / ctx.rate
    x = (1 - np.cos(2 * np.pi * t / period)) / 2
    freq = 650 + 850 * x
    phase = 2 * np.pi * np.cumsum(freq) / ctx.sr
    return np.sin(phase) + 0.45 * np.sin(2 * phase) + 0.2 * np.sin(3 * phase)


def _birds(ctx):
    import numpy as np

    out = np.zeros(ctx.n)
    for _bird in range(3):
        base = ctx.rng.uniform(2200, 4500)
        t0 = ctx.rng.uniform(0.05, 1.0)
        while t0 < ctx.duration:
            for _ in range(int(ctx.rng.integers(2, 7))):
                length = ctx.rng.uniform(0.04, 0.1)
                f1, f2 = base * ctx.rng.uniform(0.8, 1.3), base * ctx.rng.uniform(0.7, 1.5)
                note = sweep_tone(ctx, f1, f2, length, harmonics=(1.0, 0.12))
                note *= np.sin(np.linspace(0, np.pi, len(note))) ** 2
                i = int(t0 * ctx.sr)
                if i + len(note) > ctx.n:
                    break
                out[i : i + len(note)] += note * ctx.rng.uniform(0.4, 1.0)
                t0 += length + ctx.rng.uniform(0.02, 0.06)
            t0 += ctx.rng.exponential(1.2 / (ctx.intensity * ctx.rate)) + 0.2
    return out


def _crickets(ctx):
    import numpy as np

    t = ctx.time()
    out = np.zeros(ctx.n)
    for _ in range(int(2 + ctx.intensity)):
        carrier = np.sin(2 * np.pi * ctx.rng.uniform(4200, 5200) * t)
        pulse_rate = 30 * ctx.rate
        pulses = np.sin(np.pi * np.mod(t * pulse_rate, 1.0)) ** 2
        chirp_period = ctx.rng.uniform(0.45, 0.7) / ctx.rate
        in_chirp = np.mod(t + ctx.rng.uniform(0, 1), chirp_period) < 4 / pulse_rate
        out += carrier * pulses * in_chirp * ctx.rng.uniform(0.5, 1.0)
    return out


def _stream(ctx):
    import numpy as np

    bed = _unit(shape(ctx.rng.standard_normal(ctx.n), lo=250, hi=3500, tilt=-0.3)) * wobble(
        ctx, 4, 0.5, 1.0
    )
    bubbles = np.zeros(ctx.n)
    for start in random_times(ctx, 18 * ctx.intensity):
        length = ctx.rng.uniform(0.015, 0.04)
        f = ctx.rng.uniform(400, 1400)
        note = sweep_tone(ctx, f, f * ctx.rng.uniform(1.3, 2.0), length)
        note *= np.exp(-np.arange(len(note)) / (length * ctx.sr / 3))
        i = int(start * ctx.sr)
        end = min(i + len(note), ctx.n)
        bubbles[i:end] += note[: end - i] * ctx.rng.uniform(0.2, 1.0)
    return bed * 0.5 + _unit(bubbles) * 0.6


def _bell(ctx):
    f0 = 440 / ctx.intensity
    partials = [
        (f0 * r, a, d / ctx.intensity**-0.5)
        for r, a, d in (
            (0.5, 0.6, 3.5),
            (1.0, 1.0, 2.5),
            (1.19, 0.6, 2.0),
            (1.5, 0.4, 1.6),
            (2.0, 0.5, 1.2),
            (2.5, 0.25, 0.9),
            (3.0, 0.2, 0.7),
            (4.2, 0.15, 0.5),
        )
    ]
    kernel = _unit(ring(ctx, partials, min(ctx.duration, 5.0)))
    return place(ctx, regular_times(ctx, 2.5 / ctx.rate, start=0.05), kernel)


def _typing(ctx):
    import numpy as np

    times = []
    t0 = 0.1
    while t0 < ctx.duration:
        for _ in range(int(ctx.rng.integers(3, 9))):
            times.append(t0)
            t0 += ctx.rng.uniform(0.08, 0.2) / ctx.rate
        t0 += ctx.rng.uniform(0.15, 0.5) / ctx.rate
    times = np.array(times)
    out = np.zeros(ctx.n)
    for i in range(3):
        click = _unit(burst(ctx, 0.01, 0.0015, lo=2500, hi=8000))
        thock = ring(
            ctx,
            [(ctx.rng.uniform(350, 900), 1.0, 0.012), (ctx.rng.uniform(1500, 2500), 0.4, 0.006)],
            0.06,
        )
        kernel = _unit(thock)
        kernel[: len(click)] += click * 0.6
        mine = times[i::3]
        out += place(ctx, mine, kernel, ctx.rng.uniform(0.5, 1.0, len(mine)))
    return out


def _helicopter(ctx):
    import numpy as np

    blade_rate = 17 * ctx.rate
    slap = (
        _unit(burst(ctx, 0.05, 0.012, lo=60, hi=900))
        + _unit(ring(ctx, [(70, 1.0, 0.02)], 0.05)) * 0.5
    )
    times = np.arange(0.0, ctx.duration, 1 / blade_rate)
    slaps = place(ctx, times, slap, 0.8 + 0.2 * np.sin(2 * np.pi * times * 0.3))
    t = ctx.time()
    turbine = (
        np.sin(2 * np.pi * 1850 * t) * 0.05
        + _unit(shape(ctx.rng.standard_normal(ctx.n), lo=1500, hi=4000)) * 0.08
    )
    rumble = _unit(shape(ctx.rng.standard_normal(ctx.n), hi=200)) * 0.3
    return _unit(slaps) + turbine + rumble


def _phone(ctx):
    import numpy as np

    t = ctx.time()
    tone = _tone_pattern(ctx, (400, 450), on=0.4, off=0.2, group=2, group_gap=1.8, start=0.1)
    return tone * (0.8 + 0.2 * np.sin(2 * np.pi * 20 * t))


def _dripping(ctx):
    import numpy as np

    out = np.zeros(ctx.n)
    for start in regular_times(ctx, 0.8 / ctx.rate, start=0.15, jitter=0.15):
        f = ctx.rng.uniform(700, 1100)
        note = sweep_tone(ctx, f, f * 2.4, 0.05)
        note *= np.exp(-np.arange(len(note)) / (0.012 * ctx.sr))
        i = int(max(start, 0) * ctx.sr)
        end = min(i + len(note), ctx.n)
        out[i:end] += note[: end - i]
    return out + convolve(out, _room(ctx, seconds=0.6, decay=0.1, hi=3000)) * 0.3


def _static(ctx):
    import numpy as np

    hiss = _unit(shape(ctx.rng.standard_normal(ctx.n), lo=300, hi=9000)) * wobble(ctx, 2, 0.5, 0.8)
    pops = place(
        ctx, random_times(ctx, 12 * ctx.intensity), _unit(burst(ctx, 0.005, 0.001, lo=500)), None
    )
    return hiss * 0.5 + np.clip(pops, -1, 1) * 0.6


VOCABULARY: dict[str, SoundKind] = {
    kind.id: kind
    for kind in (
        SoundKind(
            "rain",
            (
                "rain",
                "rainfall",
                "raining",
                "drizzle",
                "downpour",
                "raindrop",
                "rainstorm",
                "shower",
            ),
            "A bed of falling rain with individual drops; heavy means a downpour.",
            _rain,
        ),
        SoundKind(
            "wind",
            ("wind", "windy", "breeze", "gust", "gale", "howling wind", "blizzard"),
            "Gusting wind in several bands with an occasional whistle.",
            _wind,
        ),
        SoundKind(
            "thunder",
            ("thunder", "thunderclap", "thunderstorm", "lightning", "storm", "rumble of thunder"),
            "A crack followed by a long rolling rumble; another roll every ~7 s.",
            _thunder,
        ),
        SoundKind(
            "ocean waves",
            ("ocean waves", "ocean", "waves", "wave", "sea", "surf", "beach", "seashore", "shore"),
            "Waves building, breaking and receding every ~7 s.",
            _ocean,
        ),
        SoundKind(
            "fire",
            ("fire", "campfire", "fireplace", "bonfire", "flames", "flame", "crackling", "burning"),
            "A low roar with random crackles and pops.",
            _fire,
        ),
        SoundKind(
            "footsteps",
            ("footsteps", "footstep", "steps", "walking", "walk", "walks", "stomping", "stomp"),
            "Alternating heel-and-toe steps (fast: jogging pace).",
            _footsteps,
        ),
        SoundKind(
            "door knock",
            ("door knock", "knocking", "knock", "knocks", "knocking on a door", "rap on the door"),
            "Groups of two to four knocks on a wooden door.",
            _door_knock,
        ),
        SoundKind(
            "clock ticking",
            ("clock ticking", "clock", "ticking", "tick tock", "tick-tock", "ticktock", "tick"),
            "A mechanical clock's alternating tick and tock.",
            _clock,
        ),
        SoundKind(
            "heartbeat",
            ("heartbeat", "heart beat", "heart", "pulse", "heartbeats", "heart beating"),
            "Lub-dub heartbeats at ~66 bpm (fast: racing heart).",
            _heartbeat,
        ),
        SoundKind(
            "applause",
            ("applause", "applauding", "clapping", "claps", "clap", "ovation", "audience clapping"),
            "A crowd clapping, fading in and out.",
            _applause,
        ),
        SoundKind(
            "engine",
            ("engine", "motor", "car engine", "idling", "idle engine", "motorbike", "truck", "car"),
            "A combustion engine idling (fast: revving higher).",
            _engine,
        ),
        SoundKind(
            "whoosh",
            (
                "whoosh",
                "woosh",
                "swoosh",
                "swish",
                "swoop",
                "swipe",
                "transition",
                "fly by",
                "flyby",
            ),
            "Sweeping air passes, low to high to low.",
            _whoosh,
        ),
        SoundKind(
            "explosion",
            ("explosion", "explode", "exploding", "blast", "boom", "bomb", "detonation", "kaboom"),
            "An impact, a burst of debris noise and a long low rumble.",
            _explosion,
        ),
        SoundKind(
            "beep",
            ("beep", "beeping", "beeps", "bleep", "ping", "microwave beep", "censor beep"),
            "A 1 kHz beep once a second.",
            _beep,
        ),
        SoundKind(
            "alarm",
            (
                "alarm",
                "alarm clock",
                "fire alarm",
                "car alarm",
                "buzzer",
                "warning signal",
                "smoke alarm",
            ),
            "Rapid high four-beep bursts of an alarm clock.",
            _alarm,
        ),
        SoundKind(
            "siren",
            (
                "siren",
                "police siren",
                "ambulance",
                "police",
                "fire truck",
                "fire engine",
                "emergency vehicle",
            ),
            "A rising and falling wail (fast: yelp).",
            _siren,
        ),
        SoundKind(
            "birds",
            (
                "birds",
                "bird",
                "birdsong",
                "bird song",
                "chirping",
                "chirp",
                "tweeting",
                "songbird",
                "dawn chorus",
            ),
            "A few birds singing short chirping phrases.",
            _birds,
        ),
        SoundKind(
            "crickets",
            (
                "crickets",
                "cricket",
                "insects",
                "night insects",
                "cicadas",
                "cicada",
                "summer night",
            ),
            "Crickets chirping in pulse trains around 4-5 kHz.",
            _crickets,
        ),
        SoundKind(
            "stream",
            (
                "stream",
                "brook",
                "creek",
                "river",
                "running water",
                "flowing water",
                "babbling",
                "water flowing",
                "waterfall",
            ),
            "Flowing water with bubbling.",
            _stream,
        ),
        SoundKind(
            "bell",
            ("bell", "bells", "church bell", "chime", "chimes", "ding", "gong", "bell tolling"),
            "A struck bell with inharmonic partials, every 2.5 s (heavy: a big low bell).",
            _bell,
        ),
        SoundKind(
            "typing",
            ("typing", "keyboard", "typewriter", "keystrokes", "key presses", "computer keyboard"),
            "Bursts of keystrokes with pauses between words.",
            _typing,
        ),
        SoundKind(
            "helicopter",
            ("helicopter", "chopper", "rotor", "rotor blades"),
            "Rotor blade slaps with turbine whine.",
            _helicopter,
        ),
        SoundKind(
            "phone ringing",
            ("phone ringing", "phone", "telephone", "ringtone", "phone ring", "telephone ringing"),
            "A double-ring telephone (400 + 450 Hz, UK cadence).",
            _phone,
        ),
        SoundKind(
            "dripping",
            (
                "dripping",
                "drip",
                "drips",
                "water drop",
                "water drops",
                "leaking tap",
                "faucet",
                "dripping tap",
            ),
            "Single water drops falling into water, in a small room.",
            _dripping,
        ),
        SoundKind(
            "static",
            (
                "static",
                "radio static",
                "white noise",
                "hiss",
                "crackle",
                "tv static",
                "interference",
            ),
            "Radio static: hiss with crackles.",
            _static,
        ),
    )
}

MODIFIERS: dict[str, Modifier] = {
    m.id: m
    for m in (
        Modifier(
            "heavy",
            (
                "heavy",
                "heavily",
                "strong",
                "intense",
                "loud",
                "big",
                "hard",
                "violent",
                "torrential",
                "huge",
                "massive",
                "pouring",
            ),
            "More events and more energy.",
        ),
        Modifier(
            "light",
            (
                "light",
                "lightly",
                "soft",
                "gentle",
                "gently",
                "quiet",
                "faint",
                "small",
                "little",
                "weak",
                "calm",
            ),
            "Fewer events, quieter.",
        ),
        Modifier(
            "near",
            ("near", "nearby", "close", "close up", "close-up", "up close"),
            "Close and dry (the default).",
        ),
        Modifier(
            "far",
            ("far", "far away", "faraway", "distant", "in the distance", "remote", "muffled"),
            "Quieter, duller and reverberant.",
        ),
        Modifier(
            "fast",
            ("fast", "quick", "quickly", "rapid", "rapidly", "running", "hurried", "racing"),
            "Events come quicker.",
        ),
        Modifier("slow", ("slow", "slowly", "lazy", "leisurely", "steady"), "Events come slower."),
    )
}

_DURATION_IN_PROMPT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:s|sec|secs|second|seconds)\b")


def _find(phrases: dict[str, tuple[str, ...]], text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, id) matches, longest phrases first, in text order."""
    candidates = []
    for key, words in phrases.items():
        for word in words:
            for match in re.finditer(rf"\b{re.escape(word)}(?:s|es)?\b", text):
                candidates.append((match.start(), match.end(), key))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken: list[tuple[int, int, str]] = []
    for start, end, key in candidates:
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, key))
    return sorted(taken)


def vocabulary_sentence() -> str:
    return (
        "It can make: " + ", ".join(VOCABULARY) + ". You can add heavy or light, near or far, "
        "fast or slow, and a length such as “3 seconds”."
    )


def parse_prompt(prompt: str, duration: float | None = None) -> Scene:
    prompt = clean_prompt(prompt)
    duration = clean_duration(duration)
    text = prompt.lower()
    in_prompt = _DURATION_IN_PROMPT.search(text)
    if in_prompt:
        text = text[: in_prompt.start()] + " " + text[in_prompt.end() :]
        if duration is None:
            duration = clean_duration(float(in_prompt.group(1)))
    kinds_found = _find({k: v.synonyms for k, v in VOCABULARY.items()}, text)
    kinds: list[str] = []
    for _s, _e, key in kinds_found:
        if key not in kinds:
            kinds.append(key)
    if not kinds:
        raise EngineValidationError(
            f"The sound-effect generator does not know how to make “{prompt[:80]}”. "
            + vocabulary_sentence()
        )
    if len(kinds) > MAX_KINDS_PER_PROMPT:
        raise EngineValidationError(
            f"Ask for at most {MAX_KINDS_PER_PROMPT} sounds at once "
            f"(this asks for {', '.join(kinds)})."
        )
    for start, end, _key in reversed(kinds_found):
        text = text[:start] + " " + text[end:]
    scene = Scene(
        kinds=kinds, duration=duration if duration is not None else DURATION_DEFAULT_SECONDS
    )
    for _s, _e, modifier in _find({k: v.synonyms for k, v in MODIFIERS.items()}, text):
        if modifier == "heavy":
            scene.intensity = 1.6
        elif modifier == "light":
            scene.intensity = 0.55
        elif modifier == "fast":
            scene.rate = 1.7
        elif modifier == "slow":
            scene.rate = 0.6
        else:
            scene.distance = modifier
    return scene


def render(scene: Scene, seed: int):
    """Float samples in [-1, 1] at SAMPLE_RATE, exactly round(duration * rate) long."""
    import numpy as np

    from .audio_files import normalise_loudness

    rng = np.random.default_rng(seed)
    n = int(round(scene.duration * SAMPLE_RATE))
    ctx = _Ctx(rng, n, scene)
    mix = np.zeros(n)
    for kind in scene.kinds:
        layer = np.asarray(VOCABULARY[kind].render(ctx), dtype=np.float64)
        rms = float(np.sqrt(np.mean(layer**2)))
        if rms > 1e-9:
            mix += layer / rms
    level = 1.0
    if scene.distance == "far":
        dry = shape(mix, hi=1800)
        mix = dry + convolve(dry, _room(ctx, seconds=1.2, decay=0.35, hi=4000)) * 0.6
        level = 0.5
    if scene.intensity < 1:
        level *= 0.6
    fade = min(int(0.01 * SAMPLE_RATE), n // 4)
    if fade:
        ramp = np.linspace(0, 1, fade)
        mix[:fade] *= ramp
        mix[-fade:] *= ramp[::-1]
    return normalise_loudness(mix, target_rms_dbfs=-18.0) * level


class ProceduralSfxEngine(Engine):
    service = "make-an-audio"
    engine_name = "procedural"

    def voices(self) -> list[Voice]:
        return [DEFAULT_VOICE]

    def validate(
        self,
        *,
        prompt: str,
        duration: float | None = None,
        seed: int | None = None,
        voice: str | None = None,
    ) -> None:
        parse_prompt(prompt, duration)
        clean_seed(seed)
        if voice is not None:
            self.check_voice(voice)

    def generate(
        self,
        *,
        prompt: str,
        duration: float | None = None,
        seed: int | None = None,
        voice: str | None = None,
    ) -> EngineResult:
        scene = parse_prompt(prompt, duration)
        seed = clean_seed(seed)
        if seed is None:
            seed = secrets.randbits(32)
        return EngineResult(wav=encode_wav(render(scene, seed), SAMPLE_RATE))


assert len(VOCABULARY) >= 20
assert DURATION_MIN_SECONDS < DURATION_DEFAULT_SECONDS < DURATION_MAX_SECONDS
