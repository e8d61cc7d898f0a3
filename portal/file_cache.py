"""The embedded cache backend: flask-caching's file cache, bounded without a count file per write.

cachelib's ``FileSystemCache`` keeps its item count in a file that every ``set`` reads twice and
rewrites once, so one cached prediction costs three file writes instead of one. This backend
counts the folder only every ``PRUNE_EVERY`` writes of a process (or after ``PRUNE_SECONDS``), and
then trims it below the threshold, oldest files first. Between two counts a process can add at most
``PRUNE_EVERY`` entries beyond the threshold, which bounds the folder just as well.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from flask import Flask
from flask_caching.backends.filesystemcache import FileSystemCache

log = logging.getLogger(__name__)

PRUNE_EVERY = 256
PRUNE_SECONDS = 60.0
# Trim to this share of the threshold, so a full cache is not trimmed again on the very next count.
TRIM_TO = 0.9


class BoundedFileCache(FileSystemCache):
    """A file cache of at most about ``threshold`` entries, trimmed in batches."""

    def __init__(self, cache_dir: str, threshold: int = 500, **kwargs: Any) -> None:
        # threshold=0 turns off cachelib's own count file; this class bounds the folder instead.
        super().__init__(cache_dir, threshold=0, **kwargs)
        self.limit = max(0, int(threshold))
        self._writes = 0
        self._counted_at = time.monotonic()
        self._trim_lock = threading.Lock()

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> BoundedFileCache:
        """Build it from flask-caching's config, as the stock ``FileSystemCache`` is built."""
        args.insert(0, config["CACHE_DIR"])
        kwargs.update(threshold=config["CACHE_THRESHOLD"], hash_method=config["CACHE_FILE_HASH_METHOD"])
        return cls(*args, **kwargs)

    def set(self, key: str, value: Any, timeout: Any = None, mgmt_element: bool = False) -> bool:
        stored = super().set(key, value, timeout=timeout, mgmt_element=mgmt_element)
        if self.limit and not mgmt_element:
            self._writes += 1
            if self._writes >= PRUNE_EVERY or time.monotonic() - self._counted_at > PRUNE_SECONDS:
                self.trim()
        return stored

    def trim(self) -> int:
        """Delete the oldest entries when the folder holds more than the threshold; how many went."""
        if not self._trim_lock.acquire(blocking=False):
            return 0  # another thread of this process is trimming already
        try:
            self._writes = 0
            self._counted_at = time.monotonic()
            entries = self._entries()
            if len(entries) <= self.limit:
                return 0
            entries.sort()
            doomed = entries[: len(entries) - int(self.limit * TRIM_TO)]
            removed = 0
            for _, path in doomed:
                try:
                    os.remove(path)
                    removed += 1
                except FileNotFoundError:
                    pass  # another worker trimmed it first
                except OSError as exc:
                    log.warning("could not trim a cache file", extra={"path": path, "error": repr(exc)})
            return removed
        finally:
            self._trim_lock.release()

    def _entries(self) -> list[tuple[int, str]]:
        """(modification time, path) of every cache entry, leaving out files still being written."""
        entries = []
        try:
            with os.scandir(self._path) as listing:
                for entry in listing:
                    if entry.name.endswith(self._fs_transaction_suffix):
                        continue
                    try:
                        entries.append((entry.stat().st_mtime_ns, entry.path))
                    except FileNotFoundError:
                        continue
        except OSError as exc:
            log.warning("could not list the cache folder", extra={"path": self._path, "error": repr(exc)})
        return entries
