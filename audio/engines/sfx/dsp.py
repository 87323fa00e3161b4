"""Signal helpers the sound kinds are built from: zero-phase filters, FFT convolution, smooth
random curves, event placement, noise bursts, damped resonances, sweeps and a small room.

All randomness comes from `ctx.rng`, so a render is a pure function of its scene and seed.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 22050


class Context:
    """What a kind's renderer works with: the random generator, the length in samples and the
    scene's intensity and rate."""

    def __init__(self, rng: np.random.Generator, n: int, *, intensity: float, rate: float):
        self.rng = rng
        self.n = n
        self.sr = SAMPLE_RATE
        self.duration = n / SAMPLE_RATE
        self.intensity = intensity
        self.rate = rate
        self._t = None

    def time(self):
        """Each sample's time in seconds."""
        if self._t is None:
            self._t = np.arange(self.n) / self.sr
        return self._t


def _fft_size(n: int) -> int:
    return 1 << max(int(n - 1).bit_length(), 1)


def shape(x, lo: float | None = None, hi: float | None = None, order: int = 2, tilt: float = 0.0):
    """Zero-phase filter in the frequency domain: high-pass `lo`, low-pass `hi`, spectral tilt
    (-0.5 per octave-ish is pink, -1 brown)."""
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
    n = len(x)
    size = _fft_size(n + len(kernel))
    return np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(kernel, size), size)[:n]


def wobble(ctx: Context, points_per_second: float, low: float, high: float):
    """A smooth random curve between low and high (cosine-interpolated control points)."""
    count = max(int(ctx.duration * points_per_second) + 3, 3)
    values = ctx.rng.uniform(low, high, count)
    position = ctx.time() * points_per_second
    index = np.minimum(position.astype(int), count - 2)
    frac = position - index
    frac = (1 - np.cos(np.pi * frac)) / 2
    return values[index] * (1 - frac) + values[index + 1] * frac


def place(ctx: Context, times, kernel, amplitudes=None):
    """Add `kernel` at each time (seconds) with the given amplitudes."""
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


def random_times(ctx: Context, per_second: float):
    count = ctx.rng.poisson(max(per_second, 0.0) * ctx.duration)
    return np.sort(ctx.rng.uniform(0, ctx.duration, count))


def regular_times(ctx: Context, interval: float, start: float = 0.1, jitter: float = 0.0):
    times = np.arange(start, ctx.duration, interval)
    if jitter:
        times = times + ctx.rng.normal(0, jitter * interval, len(times))
    return times


def burst(ctx: Context, length: float, decay: float, lo=None, hi=None, attack: float = 0.001):
    """A short filtered noise burst with a fast attack and exponential decay."""
    n = max(int(length * ctx.sr), 8)
    t = np.arange(n) / ctx.sr
    env = np.exp(-t / decay) * np.minimum(t / attack, 1.0)
    return shape(ctx.rng.standard_normal(n), lo=lo, hi=hi) * env


def ring(ctx: Context, partials, length: float):
    """Damped sinusoids: partials = [(frequency, amplitude, decay seconds), ...]."""
    n = max(int(length * ctx.sr), 8)
    t = np.arange(n) / ctx.sr
    out = np.zeros(n)
    for freq, amp, decay in partials:
        out += (
            amp * np.sin(2 * np.pi * freq * t + ctx.rng.uniform(0, 2 * np.pi)) * np.exp(-t / decay)
        )
    return out * np.minimum(t / 0.0015, 1.0)


def sweep_tone(ctx: Context, f_start, f_end, length, harmonics=(1.0,), curve="exp"):
    n = max(int(length * ctx.sr), 8)
    x = np.linspace(0, 1, n)
    if curve == "exp":
        freq = f_start * (f_end / f_start) ** x
    else:
        freq = f_start + (f_end - f_start) * x
    phase = 2 * np.pi * np.cumsum(freq) / ctx.sr
    return sum(a * np.sin((k + 1) * phase) for k, a in enumerate(harmonics))


def room(ctx: Context, seconds: float, decay: float, hi: float):
    """A unit-energy reverb impulse response: exponentially decaying filtered noise."""
    n = int(seconds * ctx.sr)
    tail = shape(ctx.rng.standard_normal(n), hi=hi) * np.exp(-np.arange(n) / (decay * ctx.sr))
    tail *= np.minimum(np.arange(n) / (0.005 * ctx.sr), 1)  # no direct-sound spike
    return tail / np.sqrt(np.sum(tail**2))


def unit(x):
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    return x / peak if peak > 1e-12 else x


