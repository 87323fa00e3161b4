"""Each job in a child process with a hard memory limit (prototype; not wired in yet).

    engine = IsolatedEngine("audio.engines.piper_tts:PiperTtsEngine", budget_mb=1024)
    engine.generate(request, on_piece=...)   # same interface as the wrapped engine

The in-process defences (phonemes.py, memory.MemoryBudget) bound what the engine is asked to
do and check between pieces, but they cannot stop one call half-way (an ONNX run, Praat's
Change gender on a long recording) and they count everything the process holds. Here the job
runs in a child that the parent watches from outside: its resident memory is read from
/proc every 20 ms and the child is killed (SIGKILL) once it grows more than the budget past
its start. A killed or crashed child fails the job with MemoryBudgetExceeded or
PermanentEngineError (plain words; the caller refunds), and the worker itself never grows:
whatever the child allocated is gone when it exits.

Children are forked from a forkserver started once per worker process: a fresh, single-
threaded interpreter that imports `audio.engines.isolation` with ISOLATED_ENGINE set, so the
model is loaded (and warmed up with one tiny run) once, before any fork. Forking it is safe in
the way forking the worker is not (the worker has a reaper thread, database connections and
the engine's own thread pool); each child then starts its own piece threads. Pieces are sent
to the parent through a pipe as they are made, so on_piece streaming works across the
boundary.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import time

from .base import EngineError, EngineResult, EngineValidationError, PermanentEngineError
from .memory import MB, MemoryBudgetExceeded, rss_bytes

POLL_SECONDS = 0.02
CRASHED = "The engine stopped unexpectedly while making this clip. Try again, or pick another voice."

_ENV = "ISOLATED_ENGINE"  # "module:Class" to load in the forkserver before any fork
_engine = None  # in the forkserver and its children: the loaded engine


def _load(factory: str):
    module_name, _, class_name = factory.partition(":")
    engine = getattr(importlib.import_module(module_name), class_name)()
    preload = getattr(engine, "preload", None)
    if preload is not None:  # the model in memory before the fork, shared copy-on-write
        preload()
    return engine


if os.environ.get(_ENV) and multiprocessing.parent_process() is None:
    # Imported as the forkserver's preload module: load the engine once, single-threaded.
    _engine = _load(os.environ[_ENV])


def _child(conn, factory: str, request) -> None:
    global _engine
    try:
        if _engine is None:  # not preloaded (another start method): load here
            _engine = _load(factory)
        result = _engine.generate(
            request, on_piece=lambda samples, rate: conn.send(("piece", samples, rate))
        )
        conn.send(("done", result))
    except EngineError as exc:
        conn.send(("refused" if isinstance(exc, EngineValidationError) else "failed", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - the parent logs it; the job fails in plain words
        conn.send(("crashed", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class IsolatedEngine:
    def __init__(self, factory: str, budget_mb: float = 1024, poll_seconds: float = POLL_SECONDS):
        self.factory = factory
        self.budget = int(budget_mb * MB)
        self.poll_seconds = poll_seconds
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload([__name__])
        from multiprocessing import forkserver

        os.environ[_ENV] = factory  # seen by the forkserver only: it starts now
        try:
            forkserver.ensure_running()
        finally:
            os.environ.pop(_ENV, None)
        self.last_peak_bytes = 0  # the last job's highest resident memory, read from outside

    def generate(self, request, *, on_piece=None) -> EngineResult:
        receive, send = self._ctx.Pipe(duplex=False)
        child = self._ctx.Process(target=_child, args=(send, self.factory, request), daemon=True)
        child.start()
        send.close()
        start = rss_bytes(child.pid) or 0
        self.last_peak_bytes = start
        try:
            while True:
                if receive.poll(self.poll_seconds):
                    try:
                        message = receive.recv()
                    except EOFError:
                        raise PermanentEngineError(CRASHED) from None
                    kind = message[0]
                    if kind == "piece" and on_piece is not None:
                        on_piece(message[1], message[2])
                    elif kind == "done":
                        return message[1]
                    elif kind == "refused":
                        raise EngineValidationError(message[1])
                    elif kind == "failed":
                        raise PermanentEngineError(message[1])
                    elif kind == "crashed":
                        raise PermanentEngineError(CRASHED)
                rss = rss_bytes(child.pid)
                if rss is not None:
                    self.last_peak_bytes = max(self.last_peak_bytes, rss)
                    if rss - start > self.budget:
                        child.kill()
                        raise MemoryBudgetExceeded()
                if rss is None and not child.is_alive() and not receive.poll():
                    raise PermanentEngineError(CRASHED)
        finally:
            receive.close()
            child.join(timeout=5)
            if child.is_alive():
                child.kill()
                child.join()


def fork_overhead_seconds(engine: IsolatedEngine, request, repeats: int = 5) -> float:
    """Median wall time of a trivial job through `engine` (for the benchmark)."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        engine.generate(request)
        times.append(time.perf_counter() - began)
    return sorted(times)[len(times) // 2]
