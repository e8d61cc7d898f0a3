"""A batch's own state on disk: ``batch.json`` in its folder, the source of truth for the job.

The manifest is replaced atomically (write a temp file, fsync, rename, fsync the folder), so a
reader never sees half a state and a crash keeps the last complete one. Read-modify-write steps
hold an exclusive ``flock`` on the folder's ``.lock`` file, across the web and job processes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MANIFEST = "batch.json"
LOCK = ".lock"
STAMPS = ("created_at", "heartbeat_at", "finished_at")


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the batch's lock: one state change at a time, whichever process makes it."""
    with (folder / LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read(folder: Path) -> dict[str, Any] | None:
    """The batch's fields (datetimes parsed), or None when the folder has no manifest."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    for key in STAMPS:
        if data.get(key):
            data[key] = dt.datetime.fromisoformat(data[key])
    return data


def write(folder: Path, data: dict[str, Any]) -> None:
    """Replace the manifest atomically and durably."""
    encoded = {
        key: value.isoformat() if isinstance(value, dt.datetime) else value for key, value in data.items()
    }
    part = folder / (MANIFEST + ".part")
    with part.open("w", encoding="utf-8") as handle:
        json.dump(encoded, handle, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    part.replace(folder / MANIFEST)
    fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    """Make a file's creation, rename or removal itself durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
