"""A job's memory: what the process holds (read from /proc), a budget checked between pieces,
and giving freed memory back to the system after a job.

Linux only where it matters (/proc, glibc); elsewhere the readings are None and the checks
pass, so the engines still run on a developer's Mac.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

from .base import PermanentEngineError

MB = 1024 * 1024
DEFAULT_BUDGET_MB = 1024

OVER_BUDGET = (
    "This request needed more memory than one job may use, so it was stopped. "
    "Try a shorter text or a shorter recording."
)

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_libc = None


class MemoryBudgetExceeded(PermanentEngineError):
    """A job grew past its memory budget; the message is for the user as is."""

    def __init__(self, message: str = OVER_BUDGET):
        super().__init__(message)


def rss_bytes(pid: int | str = "self") -> int | None:
    """Resident memory of a process now, or None when /proc is not there."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def peak_rss_bytes(pid: int | str = "self") -> int | None:
    """The most resident memory the process has had (VmHWM), or None."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def release() -> None:
    """Hand freed heap pages back to the system (glibc malloc_trim); without it the RSS of a
    worker stays at its highest point after a big job."""
    global _libc
    if _libc is None:
        name = ctypes.util.find_library("c")
        try:
            _libc = ctypes.CDLL(name) if name else False
        except OSError:
            _libc = False
    if _libc and hasattr(_libc, "malloc_trim"):
        _libc.malloc_trim(0)


class MemoryBudget:
    """How much a job may grow the process: `check()` raises MemoryBudgetExceeded once the
    resident memory is more than `budget_bytes` above what it was when the job began.

    Checked between pieces: it cannot stop one ONNX run half-way, which is why pieces are
    bounded in size first (see phonemes.py) and this is the second line.
    """

    def __init__(self, budget_bytes: int | None):
        self.budget = budget_bytes
        self.baseline = rss_bytes() if budget_bytes else None
        self.highest = 0

    def check(self) -> None:
        if not self.budget or self.baseline is None:
            return
        now = rss_bytes()
        if now is None:
            return
        grown = now - self.baseline
        self.highest = max(self.highest, grown)
        if grown > self.budget:
            raise MemoryBudgetExceeded()
