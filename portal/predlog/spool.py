"""A durable local spool for prediction-log entries written while the database is unreachable.

Each process appends JSON lines to its own file under ``<data dir>/spool/prediction_log`` and
fsyncs every append, so a crash loses nothing that was acknowledged. Files are named by creation
time and replayed oldest first. Writers and the flusher coordinate with ``flock`` on each file:
the flusher deletes a file only while holding its lock, and a writer that finds its file deleted
opens a new one, so no entry is appended to a file that has already been replayed.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

REPLAY_CHUNK = 5000


def spool_dir(data_dir: Path) -> Path:
    """Where prediction-log entries wait while the database is down."""
    return Path(data_dir) / "spool" / "prediction_log"


class PredictionSpool:
    """Append-only, fsync'd JSON-lines files replayed in order into a sink."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._handle: Any = None
        self._pid = 0

    def pending(self) -> bool:
        """Whether any spooled entry waits to be replayed (by this or any other process)."""
        return self.folder.is_dir() and any(self.folder.glob("*.jsonl"))

    def append(self, entries: Iterable[dict[str, Any]]) -> int:
        """Write entries durably; returns how many were written."""
        data = b"".join(json.dumps(entry, separators=(",", ":")).encode() + b"\n" for entry in entries)
        if not data:
            return 0
        with self._lock:
            handle = self._locked_handle()
            try:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return data.count(b"\n")

    def _locked_handle(self) -> Any:
        """This process's spool file, locked; reopened when a flusher has replayed and removed it."""
        while True:
            if self._handle is None or self._pid != os.getpid():
                self.folder.mkdir(parents=True, exist_ok=True)
                name = f"{time.time_ns():020d}-{os.getpid()}.jsonl"
                self._handle = (self.folder / name).open("ab")
                self._pid = os.getpid()
                _fsync_dir(self.folder)
            fcntl.flock(self._handle, fcntl.LOCK_EX)
            if os.fstat(self._handle.fileno()).st_nlink > 0:
                return self._handle
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def replay(self, sink: Callable[[list[dict[str, Any]]], None]) -> int:
        """Send every spooled entry to ``sink`` oldest first, deleting each file once fully sent.

        ``sink`` must be idempotent (entries may be sent again after a crash mid-file); an exception
        from it stops the replay and keeps the remaining files.
        """
        if not self.folder.is_dir():
            return 0
        sent = 0
        for path in sorted(self.folder.glob("*.jsonl")):
            try:
                handle = path.open("rb")
            except FileNotFoundError:
                continue
            with handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # another worker is replaying it, or a writer is mid-append
                if os.fstat(handle.fileno()).st_nlink == 0:
                    continue
                sent += self._replay_file(path, handle, sink)
        return sent

    def _replay_file(self, path: Path, handle: Any, sink: Callable[[list[dict[str, Any]]], None]) -> int:
        chunk: list[dict[str, Any]] = []
        sent = 0
        for number, line in enumerate(handle, start=1):
            if not line.endswith(b"\n"):
                log.warning("ignoring a torn last line in the spool", extra={"file": path.name})
                break
            try:
                chunk.append(json.loads(line))
            except ValueError:
                bad = path.with_suffix(".bad")
                os.replace(path, bad)
                log.error("unreadable spool line; file set aside", extra={"file": bad.name, "line": number})
                return sent
            if len(chunk) >= REPLAY_CHUNK:
                sink(chunk)
                sent += len(chunk)
                chunk = []
        if chunk:
            sink(chunk)
            sent += len(chunk)
        path.unlink()
        _fsync_dir(self.folder)
        log.info("replayed spooled prediction-log entries", extra={"file": path.name, "entries": sent})
        return sent


def _fsync_dir(folder: Path) -> None:
    """Make a file's creation or removal itself durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
