"""bench.settings with a trivial engine for every service (bench/silence.py), so a queue
benchmark measures the queue and the worker loop, not Piper or Praat. `manage.py check
--deploy` refuses these settings (ops.E001)."""

from bench.settings import *  # noqa: F403

BENCH_LOCAL_ENGINE = "bench.silence.SilenceEngine"
