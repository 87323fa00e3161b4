"""Benchmark the local audio engines: real-time factor, model load, first request, memory.

    .venv/bin/python bench/engines.py

Each engine runs in its own subprocess so its peak memory (ru_maxrss) is its own. Needs no
database and no Django settings (the engines fall back to their defaults).

- cold first request: from the subprocess's first line (before importing the engine) to the
  first WAV, model load included; warm first request: the same request timed after load.
- RTF (real-time factor) = seconds of audio produced / wall-clock seconds; higher is faster.
  TTS: a ~110-word paragraph per voice; VC: a 10 s recording of Piper's voice converted to
  each voice; SFX: 5 s effects. Each case is the median of 3 runs; the table shows the slowest
  case.
Targets: TTS >= 10x, VC >= 30x, SFX >= 50x, first request <= 2 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

STARTED = time.perf_counter()
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PARAGRAPH = (
    "The old lighthouse stood at the edge of the cliff, its white paint peeling after decades "
    "of storms. Every evening the keeper climbed the narrow spiral stairs, one hundred and "
    "twelve steps, to light the lamp that warned passing ships of the rocks below. Nobody in "
    "the village remembered a night when the light had failed. Children told stories about "
    "the keeper, who rarely spoke and never left the island, but the fishermen trusted him "
    "with their lives. When the new automatic beacon arrived, he simply packed a small bag, "
    "locked the door behind him, and walked down to the harbour without looking back."
)
TARGETS = {"tts": 10, "vc": 30, "sfx": 50}
FIRST_REQUEST_TARGET = 2.0


def _seconds(wav: bytes) -> float:
    import io
    import wave

    with wave.open(io.BytesIO(wav)) as w:
        return w.getnframes() / w.getframerate()


def _rtf(generate, repeats: int = 3) -> float:
    """Median real-time factor of `repeats` runs (the machine may be shared)."""
    import statistics

    rtfs = []
    for _ in range(repeats):
        t = time.perf_counter()
        wav = generate()
        rtfs.append(_seconds(wav) / (time.perf_counter() - t))
    return statistics.median(rtfs)


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_tts(workdir: str) -> dict:
    from audio.engines import get_local_engine

    engine = get_local_engine("styletts2")
    t = time.perf_counter()
    engine.load()
    load = time.perf_counter() - t
    t = time.perf_counter()
    engine.generate(text="Hello, and welcome to ElevenLabs-Bernie.", voice="andreas")
    warm_first = time.perf_counter() - t
    cold_first = time.perf_counter() - STARTED
    rtfs = {}
    for voice in ("joe", "andreas", "woman"):
        rtfs[voice] = _rtf(lambda voice=voice: engine.generate(text=PARAGRAPH, voice=voice).wav)
    with open(os.path.join(workdir, "paragraph.wav"), "wb") as out:
        out.write(engine.generate(text=PARAGRAPH, voice="joe").wav)
    slowest = min(rtfs, key=rtfs.get)
    return {
        "engine": "TTS (piper)",
        "kind": "tts",
        "load": load,
        "warm_first": warm_first,
        "cold_first": cold_first,
        "rtf": rtfs[slowest],
        "work": f"paragraph, {slowest}",
        "detail": {v: round(r, 1) for v, r in rtfs.items()},
        "peak_mb": _peak_mb(),
    }


def bench_vc(workdir: str) -> dict:
    t = time.perf_counter()
    import numpy as np

    from audio.engines import get_local_engine
    from audio.engines.audio_files import decode_audio, encode_wav

    engine = get_local_engine("seedvc")
    import parselmouth  # noqa: F401  - the "model" of this engine is the Praat library

    load = time.perf_counter() - t
    with open(os.path.join(workdir, "paragraph.wav"), "rb") as f:
        samples, rate = decode_audio(f.read())
    ten = np.tile(samples, int(np.ceil(10 * rate / len(samples))))[: 10 * rate]
    source = encode_wav(ten, rate)
    t = time.perf_counter()
    engine.generate(voice="woman", source_audio=source)
    warm_first = time.perf_counter() - t
    cold_first = time.perf_counter() - STARTED
    rtfs = {}
    for voice in ("andreas", "woman", "joe"):
        rtfs[voice] = _rtf(
            lambda voice=voice: engine.generate(voice=voice, source_audio=source).wav
        )
    slowest = min(rtfs, key=rtfs.get)
    return {
        "engine": "VC (praat)",
        "kind": "vc",
        "load": load,
        "warm_first": warm_first,
        "cold_first": cold_first,
        "rtf": rtfs[slowest],
        "work": f"10 s recording, {slowest}",
        "detail": {v: round(r, 1) for v, r in rtfs.items()},
        "peak_mb": _peak_mb(),
    }


def bench_sfx(workdir: str) -> dict:
    t = time.perf_counter()
    from audio.engines import get_local_engine

    engine = get_local_engine("make-an-audio")
    import numpy  # noqa: F401

    load = time.perf_counter() - t
    t = time.perf_counter()
    engine.generate(prompt="door knock", duration=5, seed=1)
    warm_first = time.perf_counter() - t
    cold_first = time.perf_counter() - STARTED
    rtfs = {}
    for prompt in (
        "heavy rain and thunder",
        "ocean waves far away",
        "applause",
        "whoosh",
        "campfire",
        "footsteps",
    ):
        rtfs[prompt] = _rtf(
            lambda prompt=prompt: engine.generate(prompt=prompt, duration=5, seed=2).wav
        )
    slowest = min(rtfs, key=rtfs.get)
    return {
        "engine": "SFX (procedural)",
        "kind": "sfx",
        "load": load,
        "warm_first": warm_first,
        "cold_first": cold_first,
        "rtf": rtfs[slowest],
        "work": f"5 s, {slowest}",
        "detail": {p: round(r) for p, r in rtfs.items()},
        "peak_mb": _peak_mb(),
    }


BENCHES = {"tts": bench_tts, "vc": bench_vc, "sfx": bench_sfx}


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] in BENCHES:  # child process
        print(json.dumps(BENCHES[sys.argv[1]](sys.argv[2])))
        return 0
    rows = []
    env = {**os.environ, "PYTHONPATH": ROOT}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with tempfile.TemporaryDirectory() as workdir:
        for kind in ("tts", "vc", "sfx"):  # vc converts the paragraph tts wrote
            done = subprocess.run(
                [sys.executable, __file__, kind, workdir],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if done.returncode:
                print(done.stderr, file=sys.stderr)
                return 1
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{os.cpu_count()} CPU cores, Python {sys.version.split()[0]}\n")
    header = (
        f"{'engine':18} {'workload':34} {'RTF':>7} {'target':>7} {'load s':>7} "
        f"{'1st warm':>9} {'1st cold':>9} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for r in rows:
        rtf_ok = r["rtf"] >= TARGETS[r["kind"]]
        first_ok = r["cold_first"] <= FIRST_REQUEST_TARGET
        ok &= rtf_ok and first_ok
        rtf_flag = " " if rtf_ok else "!"
        first_flag = " " if first_ok else "!"
        print(
            f"{r['engine']:18} {r['work']:34} {r['rtf']:6.1f}x {TARGETS[r['kind']]:>5}x{rtf_flag}"
            f"{r['load']:7.2f} {r['warm_first']:9.2f} {r['cold_first']:8.2f}{first_flag}"
            f"{r['peak_mb']:8.0f}"
        )
    print()
    for r in rows:
        print(f"{r['engine']}: RTF per case {r['detail']}")
    print("\nall targets met" if ok else "\nsome targets missed (!)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
