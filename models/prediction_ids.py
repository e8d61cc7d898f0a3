"""Prediction ids: 32 hex characters, time-ordered, so a million-row batch appends to the log's index.

The first 12 characters are the creation time in milliseconds, the other 20 are random (80 bits),
like a UUIDv7 without the version bits. Random UUIDs would scatter inserts across the whole
primary-key index, which makes bulk writes into a large log several times slower.
"""

from __future__ import annotations

import os
import time


def new_prediction_id(at_ms: int | None = None) -> str:
    """One id; ``at_ms`` (milliseconds since the epoch) backdates it, e.g. for imported history."""
    stamp = time.time_ns() // 1_000_000 if at_ms is None else at_ms
    return f"{stamp:012x}{os.urandom(10).hex()}"


def new_prediction_ids(count: int) -> list[str]:
    """``count`` ids sharing one timestamp (one batch chunk), in increasing order."""
    stamp = f"{time.time_ns() // 1_000_000:012x}"
    random = os.urandom(10 * count).hex()  # one system call for the whole chunk
    return sorted(stamp + random[start : start + 20] for start in range(0, 20 * count, 20))
