"""A cross-process guard so one report never runs twice at once, whoever started it."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class AlreadyRunning(Exception):
    """Another process holds this report's lock."""


@contextmanager
def report_lock(data_dir: Path, report: str) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``<data dir>/reports/locks/<report>.lock``; never waits.

    The kernel drops the lock when the holder dies, so a crashed run cannot block the next one.
    """
    folder = Path(data_dir) / "reports" / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"{report}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(f"another run of report {report!r} is in progress") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)
