"""The 25 sound kinds, one renderer each: `renderer(ctx) -> float samples`, any level (the
engine normalises each layer). The vocabulary names each kind's renderer by its function name
here; this module and `dsp` are the only ones that need numpy.
"""

from __future__ import annotations

import numpy as np

from .dsp import (
    Context,
    burst,
    convolve,
    place,
    random_times,
    regular_times,
    ring,
    room,
    shape,
    sweep_tone,
    unit,
    wobble,
)


def _first_at(ctx: Context, latest: float) -> float:
    """When a regular pattern starts: a seeded moment early enough for a short clip."""
    return ctx.rng.uniform(0.05, min(latest, 0.4 * ctx.duration))


def rain(ctx: Context):
    """A bed of rain noise with single drops on top, sparse and loud enough over the bed to be
    heard one by one (heavy: more drops and a louder bed)."""
    noise = ctx.rng.standard_normal(ctx.n)
    bed = shape(noise, lo=500 / ctx.intensity**0.5, hi=5000, tilt=-0.8) * wobble(ctx, 0.5, 0.8, 1.0)
    drops = np.zeros(ctx.n)
    for _ in range(4):
        kernel = burst(
            ctx, 0.02, ctx.rng.uniform(0.002, 0.006), lo=ctx.rng.uniform(1500, 3500), hi=8000
        )
        times = random_times(ctx, 8 * ctx.intensity)
        drops += place(ctx, times, unit(kernel), ctx.rng.uniform(0.25, 1.0, len(times)))
    # The bed at unit RMS; a full drop peaks 6 times above it (a little less in a downpour).
    return bed / np.sqrt(np.mean(bed**2)) + drops * 6.0 / ctx.intensity**0.3


def wind(ctx: Context):
    out = 0
    for lo, hi, gain in ((120, 700, 1.0), (400, 1800, 0.5), (900, 3500, 0.2)):
        layer = shape(ctx.rng.standard_normal(ctx.n), lo=lo, hi=hi)
        out = out + unit(layer) * gain * wobble(ctx, 0.35 * ctx.rate, 0.05, 1.0) ** 1.5
    whistle = shape(ctx.rng.standard_normal(ctx.n), lo=650, hi=720, order=6)
    out = out + unit(whistle) * 0.25 * ctx.intensity * wobble(ctx, 0.3 * ctx.rate, 0.0, 1.0) ** 3
    return out


def thunder(ctx: Context):
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
        rumble = unit(rumble) * np.exp(-local / tau) * np.minimum(local / 0.08, 1) * active
        rumble *= wobble(ctx, 6, 0.3, 1.0)
        crack = shape(ctx.rng.standard_normal(ctx.n), lo=800, hi=7000)
        crack = unit(crack) * np.exp(-local / 0.07) * active * 0.6
        out += rumble + crack * ctx.intensity
    return out


def ocean(ctx: Context):
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
    hiss = unit(shape(ctx.rng.standard_normal(ctx.n), lo=300, hi=6000, tilt=-0.4))
    body = unit(shape(ctx.rng.standard_normal(ctx.n), hi=350, tilt=-0.5))
    return hiss * (0.03 + env) * 0.7 + body * (0.1 + 0.9 * np.roll(env, int(0.3 * ctx.sr))) * 0.6


def fire(ctx: Context):
    rumble = unit(shape(ctx.rng.standard_normal(ctx.n), hi=250, tilt=-0.5)) * wobble(
        ctx, 3, 0.4, 1.0
    )
    hiss = unit(shape(ctx.rng.standard_normal(ctx.n), lo=2500, hi=9000)) * wobble(
        ctx, 8, 0.0, 0.15
    )
    crackles = np.zeros(ctx.n)
    for _ in range(5):
        kernel = unit(
            burst(
                ctx, 0.012, ctx.rng.uniform(0.0008, 0.003), lo=ctx.rng.uniform(600, 2500), hi=9000
            )
        )
        times = random_times(ctx, 4 * ctx.intensity)
        crackles += place(ctx, times, kernel, ctx.rng.pareto(2.5, len(times)) * 0.3 + 0.1)
    return rumble * 0.4 + hiss + unit(crackles) * 0.9


def footsteps(ctx: Context):
    interval = 0.55 / ctx.rate
    times = regular_times(ctx, interval, start=0.15, jitter=0.03)
    out = np.zeros(ctx.n)
    for i, side in enumerate((0, 1)):
        heel = unit(burst(ctx, 0.08, 0.018 * ctx.intensity**0.5, lo=60, hi=500 + 300 * i))
        toe = unit(burst(ctx, 0.06, 0.012, lo=900, hi=4000)) * 0.25
        kernel = np.concatenate([heel, np.zeros(int(0.05 * ctx.sr))])
        kernel[int(0.06 * ctx.sr) : int(0.06 * ctx.sr) + len(toe)] += toe
        mine = times[side::2]
        out += place(ctx, mine, kernel, ctx.rng.uniform(0.7, 1.0, len(mine)))
    return out


def _knock_kernel(ctx: Context):
    body = ring(
        ctx, [(175 / ctx.intensity**0.3, 1.0, 0.05), (410, 0.5, 0.03), (950, 0.25, 0.015)], 0.25
    )
    click = burst(ctx, 0.01, 0.002, lo=1500, hi=6000)
    body[: len(click)] += unit(click) * 0.4
    return unit(body)


def door_knock(ctx: Context):
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


def clock(ctx: Context):
    interval = 0.5 / ctx.rate * ctx.rng.uniform(0.96, 1.04)
    start = _first_at(ctx, 0.45)
    pitch = ctx.rng.uniform(0.88, 1.12)  # each clock has its own tick
    out = 0
    for i, scale in enumerate((pitch, pitch * 0.85)):
        kernel = ring(
            ctx,
            [(3100 * scale, 1, 0.004), (5200 * scale, 0.6, 0.003), (1500 * scale, 0.4, 0.012)],
            0.06,
        )
        out = out + place(
            ctx, regular_times(ctx, 2 * interval, start=start + i * interval), unit(kernel)
        )
    return out


def heartbeat(ctx: Context):
    bpm = 66 * ctx.rate
    beat = 60 / bpm
    lub = ring(ctx, [(52, 1.0, 0.05), (38, 0.6, 0.06), (110, 0.3, 0.02)], 0.25)
    dub = ring(ctx, [(68, 0.7, 0.04), (140, 0.3, 0.015)], 0.2)
    times = regular_times(ctx, beat, start=0.1, jitter=0.01)
    return place(ctx, times, unit(lub)) + place(ctx, times + 0.32 * beat**0.5, unit(dub) * 0.7)


def applause(ctx: Context):
    out = np.zeros(ctx.n)
    for _ in range(8):
        kernel = unit(
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


def engine(ctx: Context):
    rpm = 850 * ctx.rate**1.5
    firing = rpm / 60 * 2
    freq = firing * wobble(ctx, 1.5, 0.97, 1.03)
    phase = 2 * np.pi * np.cumsum(freq) / ctx.sr
    tone = sum(np.sin(k * phase + ctx.rng.uniform(0, 6.28)) / k**0.8 for k in range(1, 14))
    roughness = 1 + 0.5 * shape(ctx.rng.standard_normal(ctx.n), hi=firing * 2) / 0.3
    rumble = unit(shape(ctx.rng.standard_normal(ctx.n), hi=400, tilt=-0.5))
    return shape(unit(tone) * roughness, hi=1800) + rumble * 0.3 * ctx.intensity


def whoosh(ctx: Context):
    count = max(1, round(ctx.duration / (1.8 / ctx.rate)))
    slot = ctx.duration / count
    centers = (250, 500, 1000, 2000, 4000)
    layers = [unit(shape(ctx.rng.standard_normal(ctx.n), lo=c / 1.5, hi=c * 1.5)) for c in centers]
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


def explosion(ctx: Context):
    impact = unit(shape(ctx.rng.standard_normal(ctx.n), lo=200))
    body = unit(shape(ctx.rng.standard_normal(ctx.n), hi=700, tilt=-0.5))
    rumble = unit(shape(ctx.rng.standard_normal(ctx.n), hi=110))
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


def _tone_pattern(ctx: Context, freqs, on, off, group=1, group_gap=0.0, start=0.1):
    """Beeps: `group` tones of length `on` separated by `off`, then `group_gap`, repeated from
    `start`. Each tone starts at a random phase."""
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
        out += np.sin(2 * np.pi * f * t + ctx.rng.uniform(0, 2 * np.pi))
    return out * gate


def beep(ctx: Context):
    pitch = 1000 * ctx.rng.uniform(0.97, 1.03)
    return _tone_pattern(ctx, (pitch,), on=0.15, off=0.85 / ctx.rate, start=_first_at(ctx, 0.35))


def alarm(ctx: Context):
    detune = ctx.rng.uniform(0.93, 1.07)
    return _tone_pattern(
        ctx,
        (2400 * detune, 2600 * detune),
        on=0.07 / ctx.rate,
        off=0.07 / ctx.rate,
        group=4,
        group_gap=0.45 / ctx.rate,
        start=_first_at(ctx, 0.3),
    )


def siren(ctx: Context):
    t = ctx.time()
    period = 4.0 / ctx.rate * ctx.rng.uniform(0.85, 1.15)
    x = (1 - np.cos(2 * np.pi * (t / period + ctx.rng.uniform(0, 1)))) / 2
    low = ctx.rng.uniform(0.92, 1.08)
    freq = (650 + 850 * x) * low
    phase = 2 * np.pi * np.cumsum(freq) / ctx.sr
    return np.sin(phase) + 0.45 * np.sin(2 * phase) + 0.2 * np.sin(3 * phase)


def birds(ctx: Context):
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


def crickets(ctx: Context):
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


def stream(ctx: Context):
    bed = unit(shape(ctx.rng.standard_normal(ctx.n), lo=250, hi=3500, tilt=-0.3)) * wobble(
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
    return bed * 0.5 + unit(bubbles) * 0.6


def bell(ctx: Context):
    f0 = 440 / ctx.intensity * ctx.rng.uniform(0.9, 1.1)
    start = _first_at(ctx, 0.6)
    interval = 2.5 / ctx.rate * ctx.rng.uniform(0.9, 1.1)
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
    kernel = unit(ring(ctx, partials, min(ctx.duration, 5.0)))
    return place(ctx, regular_times(ctx, interval, start=start), kernel)


def typing(ctx: Context):
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
        click = unit(burst(ctx, 0.01, 0.0015, lo=2500, hi=8000))
        thock = ring(
            ctx,
            [(ctx.rng.uniform(350, 900), 1.0, 0.012), (ctx.rng.uniform(1500, 2500), 0.4, 0.006)],
            0.06,
        )
        kernel = unit(thock)
        kernel[: len(click)] += click * 0.6
        mine = times[i::3]
        out += place(ctx, mine, kernel, ctx.rng.uniform(0.5, 1.0, len(mine)))
    return out


def helicopter(ctx: Context):
    blade_rate = 17 * ctx.rate
    slap = (
        unit(burst(ctx, 0.05, 0.012, lo=60, hi=900))
        + unit(ring(ctx, [(70, 1.0, 0.02)], 0.05)) * 0.5
    )
    times = np.arange(0.0, ctx.duration, 1 / blade_rate)
    slaps = place(ctx, times, slap, 0.8 + 0.2 * np.sin(2 * np.pi * times * 0.3))
    t = ctx.time()
    turbine = (
        np.sin(2 * np.pi * 1850 * t) * 0.05
        + unit(shape(ctx.rng.standard_normal(ctx.n), lo=1500, hi=4000)) * 0.08
    )
    rumble = unit(shape(ctx.rng.standard_normal(ctx.n), hi=200)) * 0.3
    return unit(slaps) + turbine + rumble


def phone(ctx: Context):
    t = ctx.time()
    start = _first_at(ctx, 0.6)
    tone = _tone_pattern(ctx, (400, 450), on=0.4, off=0.2, group=2, group_gap=1.8, start=start)
    return tone * (0.8 + 0.2 * np.sin(2 * np.pi * 20 * t + ctx.rng.uniform(0, 2 * np.pi)))


def dripping(ctx: Context):
    out = np.zeros(ctx.n)
    for start in regular_times(ctx, 0.8 / ctx.rate, start=0.15, jitter=0.15):
        f = ctx.rng.uniform(700, 1100)
        note = sweep_tone(ctx, f, f * 2.4, 0.05)
        note *= np.exp(-np.arange(len(note)) / (0.012 * ctx.sr))
        i = int(max(start, 0) * ctx.sr)
        if i >= ctx.n:  # jittered past the end of a short clip
            continue
        end = min(i + len(note), ctx.n)
        out[i:end] += note[: end - i]
    return out + convolve(out, room(ctx, seconds=0.6, decay=0.1, hi=3000)) * 0.3


def static(ctx: Context):
    hiss = unit(shape(ctx.rng.standard_normal(ctx.n), lo=300, hi=9000)) * wobble(ctx, 2, 0.5, 0.8)
    pops = place(
        ctx, random_times(ctx, 12 * ctx.intensity), unit(burst(ctx, 0.005, 0.001, lo=500)), None
    )
    return hiss * 0.5 + np.clip(pops, -1, 1) * 0.6


