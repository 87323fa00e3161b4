"""Peak memory of one engine job, measured from outside, for the worst inputs we know.

    .venv/bin/python bench/memory.py                    # every case
    .venv/bin/python bench/memory.py digits-max vc      # some cases
    .venv/bin/python bench/memory.py --isolation        # also: cost of a job in a child process
    PIPER_THREADS=1 .venv/bin/python bench/memory.py prose   # one piece at a time

Each case runs in its own child process (this file with --child CASE), which loads the engine,
warms it up and says "ready". The parent then resets the child's high-water mark
(/proc/<pid>/clear_refs), notes its resident memory (the baseline: interpreter, libraries,
model), lets it run the job, and when the child says "done" reads from outside its VmHWM (the
peak) and VmRSS (after the job) and its CPU time (/proc/<pid>/stat). The budget is the
process's whole resident memory during one job, model included: ENGINE_MEMORY_BUDGET_MB,
1024 MB unless --budget-mb says otherwise. Needs Linux (/proc); no database, no Django.

Cases: 5000 characters of "999999999999999 " (refused: too long to say), the largest text of
those numbers that is accepted, one 5000-character word, emoji, mixed scripts (Cyrillic, CJK,
Arabic with English), Chinese only, 5000 characters of prose (also in the derived "woman"
voice, and at the slowest speed in "andreas", the longest job allowed), and the largest
allowed upload (96 kHz stereo FLAC of 4:59, made here) through the voice changer.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PROSE = (
    "The old lighthouse stood at the edge of the cliff, its white paint peeling after decades "
    "of storms. Every evening the keeper climbed the narrow spiral stairs, one hundred and "
    "twelve steps, to light the lamp that warned passing ships of the rocks below. Nobody in "
    "the village remembered a night when the light had failed. Children told stories about "
    "the keeper, who rarely spoke and never left the island, but the fishermen trusted him "
    "with their lives. When the new automatic beacon arrived, he simply packed a small bag, "
    "locked the door behind him, and walked down to the harbour without looking back. "
)
_rng = random.Random(1)
CASES = {  # name: (voice, text or None for the upload, params)
    "digits-5000": ("joe", ("999999999999999 " * 313)[:5000], {}),
    "digits-max": ("joe", "999999999999999 " * 80, {}),
    "one-word": ("joe", "".join(_rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5000)), {}),
    "emoji": ("joe", ("hi 😀🎉🚀 " * 1000)[:5000], {}),
    "mixed-scripts": ("joe", ("Hello Привет мир 你好世界 مرحبا بالعالم world. " * 200)[:5000], {}),
    "chinese": ("joe", ("你好世界" * 1250)[:5000], {}),
    "prose": ("joe", (PROSE * 10)[:5000], {}),
    "prose-woman": ("woman", (PROSE * 10)[:5000], {}),
    "prose-slowest": ("andreas", (PROSE * 10)[:5000], {"speed": 0.5}),
    "vc-96k-stereo": ("woman", None, {}),
}
UPLOAD_SECONDS = 299
UPLOAD_RATE = 96_000


def _status(pid) -> dict:
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values


def _cpu_seconds(pid) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_upload(path: str) -> None:
    """A 96 kHz stereo FLAC of 4:59 of a gliding voiced tone (compresses to ~15 MB)."""
    import numpy as np
    import soundfile

    frames = UPLOAD_SECONDS * UPLOAD_RATE
    phase = 0.0
    with soundfile.SoundFile(path, "w", UPLOAD_RATE, 2, format="FLAC", subtype="PCM_16") as out:
        for start in range(0, frames, UPLOAD_RATE * 10):
            n = min(UPLOAD_RATE * 10, frames - start)
            t = (start + np.arange(n)) / UPLOAD_RATE
            f0 = 120 + 20 * np.sin(2 * np.pi * 0.3 * t)
            ph = phase + 2 * np.pi * np.cumsum(f0 / UPLOAD_RATE)
            phase = ph[-1]
            envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 0.7 * t) ** 2
            x = envelope * (0.2 * np.sin(ph) + 0.1 * np.sin(2 * ph) + 0.05 * np.sin(3 * ph))
            out.write(np.stack([x, 0.9 * x], axis=1))


# -- the child: one job ---------------------------------------------------------------------


def child(case: str, upload: str) -> None:
    import io
    import wave

    from audio.engines.base import EngineValidationError, GenerationRequest

    voice, text, params = CASES[case]
    if text is None:
        from audio.engines.praat_vc import PraatVoiceConversionEngine

        engine = PraatVoiceConversionEngine()
        with open(upload, "rb") as f:
            request = GenerationRequest(voice=voice, source_audio=f.read())
        import numpy  # noqa: F401 - loaded before the baseline, as in a warm worker
        import parselmouth  # noqa: F401
        import soundfile  # noqa: F401
    else:
        from audio.engines.piper_tts import PiperTtsEngine

        threads = int(os.environ.get("PIPER_THREADS", 2))
        engine = PiperTtsEngine(memory_budget_mb=None, threads=threads)  # measured, not enforced
        # Warm in the case's voice: a derived voice loads Praat (~100 MB) on first use, once.
        engine.generate(GenerationRequest(voice=voice, text="Ready."))
        request = GenerationRequest(voice=voice, text=text, params=params)
    print("ready", flush=True)
    sys.stdin.readline()
    began = time.perf_counter()
    outcome, seconds, detail = "ok", 0.0, ""
    try:
        if text is not None:
            engine.validate(request)  # what the web process does first
        wav = engine.generate(request).wav
        with wave.open(io.BytesIO(wav)) as w:
            seconds = w.getnframes() / w.getframerate()
        del wav
    except EngineValidationError as exc:
        outcome, detail = "refused", str(exc)
    wall = time.perf_counter() - began
    print("done " + json.dumps({"outcome": outcome, "audio": seconds, "wall": wall, "detail": detail}), flush=True)
    sys.stdin.readline()


# -- the parent: measure from outside ---------------------------------------------------------


def run_case(case: str, upload: str) -> dict:
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--child", case, upload],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"{case}: child said {line!r}")
        try:
            with open(f"/proc/{proc.pid}/clear_refs", "w") as clear:
                clear.write("5")  # VmHWM := VmRSS now, so the peak is the job's
        except OSError:
            pass
        baseline = _status(proc.pid)["VmRSS"]
        cpu0 = _cpu_seconds(proc.pid)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line.startswith("done "):
            raise RuntimeError(f"{case}: child said {line!r}")
        result = json.loads(line[5:])
        status = _status(proc.pid)
        result.update(
            case=case,
            baseline=baseline,
            peak=status["VmHWM"],
            after=status["VmRSS"],
            cpu=_cpu_seconds(proc.pid) - cpu0,
        )
        proc.stdin.write("bye\n")
        proc.stdin.flush()
        proc.wait(timeout=30)
        return result
    finally:
        if proc.poll() is None:
            proc.kill()


def isolation_overhead() -> list[str]:
    """A short job in-process and in a child forked from a preloaded forkserver."""
    from audio.engines.base import GenerationRequest
    from audio.engines.isolation import IsolatedEngine
    from audio.engines.piper_tts import PiperTtsEngine

    request = GenerationRequest(voice="joe", text="Hello there, how are you today?")
    local = PiperTtsEngine()
    local.warm_up()
    times = []
    for _ in range(5):
        began = time.perf_counter()
        local.generate(request)
        times.append(time.perf_counter() - began)
    isolated = IsolatedEngine("audio.engines.piper_tts:PiperTtsEngine")
    isolated.generate(request)  # the forkserver loads the model
    forked = []
    for _ in range(5):
        began = time.perf_counter()
        isolated.generate(request)
        forked.append(time.perf_counter() - began)
    with open("/proc/self/status") as status:
        sizes = {k: int(v.split()[0]) // 1024 for k, _, v in (line.partition(":") for line in status)
                 if k in ("VmSize", "VmRSS")}
    began = time.perf_counter()
    for _ in range(20):
        isolated.generate(request)
    twenty = time.perf_counter() - began
    return [
        f"short job in-process: median {sorted(times)[2]:.3f} s",
        f"short job in a forked child: median {sorted(forked)[2]:.3f} s "
        f"(child peak {isolated.last_peak_bytes / 2**20:.0f} MB); 20 more in a row: {twenty:.1f} s",
        f"this process after in-process jobs: virtual {sizes['VmSize']} MB, resident {sizes['VmRSS']} MB "
        "(why RLIMIT_AS is no memory limit here)",
    ]


def main(argv: list[str]) -> None:
    budget = float(os.environ.get("ENGINE_MEMORY_BUDGET_MB", 1024))
    if "--budget-mb" in argv:
        budget = float(argv[argv.index("--budget-mb") + 1])
    names = [a for a in argv if a in CASES] or list(CASES)
    print(f"Budget: {budget:.0f} MB of resident memory for the process running one job "
          f"(model included). {os.cpu_count()} cores, "
          f"{os.environ.get('PIPER_THREADS', 2)} Piper threads.\n")
    header = f"{'case':<15} {'outcome':<8} {'audio s':>8} {'CPU s':>7} {'wall s':>7} {'base MB':>8} {'peak MB':>8} {'after MB':>9}  budget"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as folder:
        upload = os.path.join(folder, "upload.flac")
        if "vc-96k-stereo" in names:
            make_upload(upload)
        for name in names:
            r = run_case(name, upload)
            verdict = "ok" if r["peak"] <= budget else "OVER"
            print(f"{name:<15} {r['outcome']:<8} {r['audio']:>8.1f} {r['cpu']:>7.1f} {r['wall']:>7.1f} "
                  f"{r['baseline']:>8.0f} {r['peak']:>8.0f} {r['after']:>9.0f}  {verdict}", flush=True)
            if r["detail"]:
                print(f"{'':<15} “{r['detail'][:110]}…”")
    if "--isolation" in argv:
        print()
        for line in isolation_overhead():
            print(line)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1:])
