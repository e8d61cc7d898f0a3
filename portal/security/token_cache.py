"""Recently authenticated API tokens, per worker, dropped at once when any token is revoked anywhere.

Looking a token up costs about a millisecond of database round trip on every API request, as much
as the rest of a small request. A worker keeps the tokens it authenticated for a few seconds, and
every request checks a stamp file in the data dir that revoking replaces (a ``stat``, about a
microsecond). Every worker, the CLI and every replica share the data dir, so a revocation is
refused by the next request everywhere; a token revoked some other way (SQL by hand) is refused
within ``TTL_SECONDS``. Unknown, revoked and expired tokens are never kept.

Why this is enough: a token's role and models never change after it is created, so revoking is the
only change that must reach kept tokens; expiry is checked on the kept record at every request; and
a new token needs no stamp because a secret that failed is never remembered. The stamp is a
file, not a database row, because a row would cost the very round trip the cache saves.

Assumption: every process that serves or revokes tokens sees the same data dir with coherent file
metadata, i.e. one host (gunicorn workers, compose replicas on one volume) or a filesystem whose
``stat`` shows another node's rename at once (CephFS). NFS-style volumes (EFS, Azure Files) let a
client's attribute cache show the old stamp for a while; there a replica on another node may
accept a revoked token it had kept until ``TTL_SECONDS`` after it kept it, never longer. A stamp
that cannot be read (other than absent) turns keeping off rather than trusting old answers.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

TTL_SECONDS = 5.0
CAPACITY = 1024
STAMP_NAME = "api-tokens.changed"


def stamp_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / STAMP_NAME


def mark_changed(data_dir: Path | str) -> None:
    """Tell every worker sharing ``data_dir`` to forget the tokens it keeps: replace the stamp file.

    A rename gives the stamp a new inode, and its modification time is set past the old one's: a
    freed inode can be reused, and file times tick only every few milliseconds, so without both an
    old stamp could come back looking unchanged to a worker that missed the ones between.
    """
    path = stamp_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        floor = path.stat().st_mtime_ns
    except OSError:  # absent, or unreadable (a dangling link): the rename below replaces it
        floor = -1
    temporary = path.with_name(f".{STAMP_NAME}.{uuid.uuid4().hex}")
    try:
        temporary.write_text(f"{time.time_ns()}\n")
        for step in (1, 1_000_000_000):  # a filesystem keeping coarser times rounds the first down
            wanted = max(time.time_ns(), floor + step)
            os.utime(temporary, ns=(wanted, wanted))
            if temporary.stat().st_mtime_ns > floor:
                break
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@dataclasses.dataclass
class _Entry:
    token: Any
    kept_at: float


class TokenCache:
    """Tokens by secret digest, valid while the stamp file is unchanged and for at most ``ttl`` seconds."""

    def __init__(self, stamp: Path, ttl: float = TTL_SECONDS, capacity: int = CAPACITY) -> None:
        self._stamp = stamp
        self._ttl = ttl
        self._capacity = capacity
        self._entries: dict[str, _Entry] = {}
        self._seen: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

    def _current_stamp(self) -> tuple[int, int, int] | None:
        """The stamp's identity; None when it cannot be read, and then nothing is kept or served."""
        try:
            status = self._stamp.stat()
        except FileNotFoundError:
            return (0, 0, 0)
        except OSError:
            return None
        return (status.st_ino, status.st_mtime_ns, status.st_size)

    def lookup(self, digest: str, load: Callable[[], Any | None]) -> Any | None:
        """The kept token for ``digest``, else ``load()``'s answer, kept when it is an active token.

        The stamp is read before ``load`` and again before keeping its answer: a token revoked
        while it was being loaded is not kept (the revoker replaces the stamp after committing).
        """
        stamp = self._current_stamp()
        if stamp is None:
            with self._lock:
                self._entries.clear()
                self._seen = None
            return load()
        with self._lock:
            if stamp != self._seen:
                self._entries.clear()
                self._seen = stamp
            entry = self._entries.get(digest)
            if entry is not None:
                if time.monotonic() - entry.kept_at < self._ttl and entry.token.active:
                    return entry.token
                del self._entries[digest]
        token = load()
        if token is not None and token.active and self._current_stamp() == stamp:
            with self._lock:
                if self._seen == stamp:
                    if len(self._entries) >= self._capacity:
                        self._entries.pop(next(iter(self._entries)))  # the oldest goes first
                    self._entries[digest] = _Entry(token, time.monotonic())
        return token
