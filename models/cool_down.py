"""Skip a failing backend for a few seconds, so an outage costs one timeout per cool-down, not per call.

The shared cache, the prediction log and the batch store each talk to a backend that may be down
or slow; each keeps a ``CoolDown`` and checks it before trying, so requests stay fast during the
outage and the first call after the cool-down finds out whether the backend is back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

COOL_DOWN_SECONDS = 5.0


class CoolDown:
    """Per-backend "down until" times; the key names the backend (e.g. ``id(engine)``), or None for one."""

    def __init__(
        self, seconds: float = COOL_DOWN_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._until: dict[Hashable, float] = {}
        self._lock = threading.Lock()

    def active(self, key: Hashable = None) -> bool:
        """Whether the backend failed less than ``seconds`` ago and should be skipped."""
        return self._until.get(key, 0.0) > self._clock()

    def start(self, key: Hashable = None) -> bool:
        """Skip the backend from now on for ``seconds``; True when it was not skipped already (log once)."""
        with self._lock:
            first = not self.active(key)
            self._until[key] = self._clock() + self.seconds
        return first

    def clear(self, key: Hashable = None) -> None:
        """The backend answered: try it again on the next call."""
        with self._lock:
            self._until.pop(key, None)
