"""What one batch job may take: memory and running time, ending in a failed state that says which.

A job runs in its own process (a forked Dash job or a Celery worker child), where a file crafted to
be expensive could otherwise grow for as long as it likes. A watcher thread samples the process's
resident memory and the elapsed time once a second; past a limit it raises ``JobLimitExceeded``
in the job's own thread, at its next Python instruction, so the job unwinds through its normal
error handling and records a message an analyst can act on.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
# How often the watcher samples memory and time.
CHECK_SECONDS = 1.0


class JobLimitExceeded(Exception):
    """The job used more memory or time than allowed; the message says which and how much."""


def resident_bytes() -> int:
    """This process's resident memory, from /proc (0 where that is not available)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * _PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return 0


def _raise_in(thread_id: int, exception: type[BaseException]) -> None:
    # CPython's documented way to stop another thread at its next bytecode; C code runs to its end.
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exception))


@contextmanager
def job_limits(
    memory_bytes: int,
    seconds: float,
    measure: Callable[[], int] = resident_bytes,
    clock: Callable[[], float] = time.monotonic,
    interval: float | None = None,
) -> Iterator[Callable[[], str]]:
    """Watch the calling thread's job; yields a function that tells which limit stopped it ("" if none)."""
    target = threading.get_ident()
    interval = CHECK_SECONDS if interval is None else interval
    started = clock()
    done = threading.Event()
    lock = threading.Lock()
    breach: list[str] = []

    def watch() -> None:
        while not done.wait(interval):
            reason = _over_limit(measure(), memory_bytes, clock() - started, seconds)
            if not reason:
                continue
            with lock:
                if done.is_set():
                    return  # the job finished meanwhile: nothing to stop
                breach.append(reason)
                log.warning("batch job stopped at its limit", extra={"reason": reason})
                _raise_in(target, JobLimitExceeded)
            return

    watcher = threading.Thread(target=watch, name="batch-job-limits", daemon=True)
    watcher.start()
    try:
        yield lambda: breach[0] if breach else ""
    finally:
        with lock:
            done.set()
        watcher.join()


def _over_limit(used: int, memory_bytes: int, elapsed: float, seconds: float) -> str:
    if used > memory_bytes:
        return (
            f"the job used {used / 2**20:,.0f} MB of memory, more than the {memory_bytes / 2**20:,.0f} MB "
            "allowed (PORTAL_BATCH_JOB_MEMORY_MB): split the file, or upload it as CSV"
        )
    if elapsed > seconds:
        return (
            f"the job ran longer than the {seconds / 60:,.0f} minutes allowed (PORTAL_BATCH_JOB_MINUTES): "
            "split the file into smaller ones"
        )
    return ""
