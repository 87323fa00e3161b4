"""A TTS job's memory, measured from outside the process that runs it (no database).

Each test starts a fresh Python that loads the engine and says "ready"; the test resets the
child's high-water mark, lets it run the job, and reads VmHWM / VmRSS from /proc/<pid>.
Timing stays in bench/memory.py.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUDGET_MB = 1024

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")

PRELUDE = """
import sys
from audio.engines.base import GenerationRequest as R
from audio.engines.piper_tts import PiperTtsEngine
engine = PiperTtsEngine(memory_budget_mb=BUDGET)
engine.warm_up()
print("ready", flush=True)
sys.stdin.readline()
"""


def status(pid: int) -> dict:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def run_job(body: str, budget_mb=None) -> tuple[list[str], dict]:
    """Run PRELUDE + body in a child; the body prints lines and ends with print("done").
    Returns the lines and {baseline, peak, after} in MB, read from outside."""
    script = PRELUDE.replace("BUDGET", repr(budget_mb)) + body + '\nprint("done", flush=True)\nsys.stdin.readline()\n'
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        Path(f"/proc/{proc.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS now
        baseline = status(proc.pid)["VmRSS"]
        proc.stdin.write("go\n")
        proc.stdin.flush()
        lines = []
        while (line := proc.stdout.readline().strip()) != "done":
            assert line, "the child died"
            lines.append(line)
        now = status(proc.pid)
        proc.stdin.write("bye\n")
        proc.stdin.flush()
        proc.wait(timeout=30)
        return lines, {"baseline": baseline, "peak": now["VmHWM"], "after": now["VmRSS"]}
    finally:
        if proc.poll() is None:
            proc.kill()


class TestTtsJobMemory:
    def test_a_digits_heavy_job_stays_under_budget_and_the_memory_is_given_back(self):
        # 8 numbers of 15 digits: ~1400 phonemes (~70 s of speech) from 128 characters, in 7
        # pieces; before, one 400-character piece of these numbers took 1.7 GB on its own.
        lines, mb = run_job(
            'wav = engine.generate(R(text="999999999999999 " * 8, voice="joe")).wav\n'
            "print(len(wav))"
        )

        assert int(lines[0]) > 22050 * 2 * 50  # close to a minute of speech was made
        assert mb["peak"] < BUDGET_MB
        assert mb["peak"] - mb["baseline"] < 600  # two pieces of <= 200 phonemes at once
        assert mb["after"] - mb["baseline"] < 60  # the arena shrunk and the heap trimmed

    def test_a_job_over_budget_fails_in_plain_words_and_the_engine_keeps_serving(self):
        lines, _mb = run_job(
            "from audio.engines import PermanentEngineError\n"
            "try:\n"
            '    engine.generate(R(text="999999999999999 " * 4, voice="joe"))\n'
            "except PermanentEngineError as exc:\n"
            "    print(type(exc).__name__)\n"
            "    print(exc)\n"
            "engine.memory_budget = None\n"
            'print(len(engine.generate(R(text="Still here.", voice="joe")).wav) > 10000)',
            budget_mb=40,
        )

        assert lines == [
            "MemoryBudgetExceeded",
            "This request needed more memory than one job may use, so it was stopped. "
            "Try a shorter text or a shorter recording.",
            "True",
        ]


ISOLATED = """
from audio.engines.base import GenerationRequest as R
from audio.engines.isolation import IsolatedEngine
from audio.engines.memory import MemoryBudgetExceeded

if __name__ == "__main__":
    small = IsolatedEngine("audio.engines.piper_tts:PiperTtsEngine", budget_mb=60)
    try:
        small.generate(R(text="999999999999999 " * 6, voice="joe"))
    except MemoryBudgetExceeded as exc:
        print("killed:", exc)
    pieces = []
    wav = small.generate(R(text="Hi.", voice="joe"), on_piece=lambda s, r: pieces.append(r)).wav
    print("served:", len(wav) > 5000, pieces)
"""


class TestIsolatedPrototype:
    def test_a_child_over_budget_is_killed_and_the_next_job_is_served(self, tmp_path):
        script = tmp_path / "isolated.py"
        script.write_text(ISOLATED)

        result = subprocess.run(
            [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

        assert result.stdout.splitlines() == [
            "killed: This request needed more memory than one job may use, so it was stopped. "
            "Try a shorter text or a shorter recording.",
            "served: True [22050]",
        ], result.stderr


@pytest.mark.django_db(transaction=True)
class TestOverBudgetThroughTheWorker:
    def test_a_clip_over_budget_fails_in_plain_words_and_is_refunded_once(self, settings):
        from audio.engines.memory import OVER_BUDGET
        from credits.models import UsageLog
        from tests.factories import UserFactory, request_clip
        from tests.support import run_tasks

        settings.ENGINE_MEMORY_BUDGET_MB = 1  # a fresh engine with a budget any real job exceeds
        user = UserFactory(credits=1000)
        clip = request_clip(user, "styletts2", text="999999999999999 " * 20, voice="joe")
        run_tasks()

        clip.refresh_from_db()
        user.refresh_from_db()
        assert clip.failed, (clip.status, clip.error, clip.attempts)
        assert clip.error == OVER_BUDGET
        assert UsageLog.objects.filter(refund_of=clip).count() == 1
        assert user.credits == 1000
