"""Stop a worker whose request runs past ``PORTAL_WORKER_TIMEOUT``, in any of its threads.

gunicorn's own timeout watches the worker's main thread, which keeps beating while a gthread
request thread computes: one pathological request held a worker at full CPU for 16 minutes. Each
worker records when every request in flight started; a watchdog thread looks every second and,
when one has run past its deadline, logs which request it was and ends the worker with SIGKILL.
gunicorn then starts a fresh worker, as it does after its own timeout.

The clock stops when the view returns: streaming a big download to a slow client is I/O, not a
stuck request. A route that legitimately takes longer (an upload of many megabytes over a slow
link) asks for more time with :func:`allow_more`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, request

log = logging.getLogger(__name__)
EXTENSION_KEY = "portal.watchdog"


@dataclasses.dataclass
class Watched:
    """One request in flight: where it went, and by when it must have finished."""

    path: str
    request_id: str | None
    started: float
    deadline: float


def _kill_this_worker() -> None:
    # SIGKILL, not a graceful exit: the stuck thread would never let a graceful one finish.
    os.kill(os.getpid(), signal.SIGKILL)


class RequestWatchdog:
    """The requests in flight in this process, and the thread that ends the process for a stuck one."""

    def __init__(
        self,
        timeout: float,
        kill: Callable[[], None] = _kill_this_worker,
        clock: Callable[[], float] = time.monotonic,
        interval: float = 1.0,
    ) -> None:
        self.timeout = timeout
        self.kill = kill
        self.clock = clock
        self.interval = interval
        self._in_flight: dict[int, Watched] = {}
        self._lock = threading.Lock()
        self._thread_pid = 0

    def started(self, path: str, request_id: str | None) -> None:
        now = self.clock()
        with self._lock:
            self._in_flight[threading.get_ident()] = Watched(path, request_id, now, now + self.timeout)

    def allow_more(self, seconds: float) -> None:
        """Give the current request ``seconds`` more before it counts as stuck."""
        with self._lock:
            watched = self._in_flight.get(threading.get_ident())
            if watched is not None:
                watched.deadline += max(0.0, seconds)

    def finished(self) -> None:
        with self._lock:
            self._in_flight.pop(threading.get_ident(), None)

    def overdue(self) -> Watched | None:
        """The request furthest past its deadline, if any is."""
        now = self.clock()
        with self._lock:
            late = [watched for watched in self._in_flight.values() if watched.deadline < now]
        return min(late, key=lambda watched: watched.deadline, default=None)

    def check(self) -> bool:
        """Kill this worker if a request is overdue; True when it did."""
        late = self.overdue()
        if late is None:
            return False
        log.error(
            "request ran past the worker timeout; stopping this worker",
            extra={
                "path": late.path,
                "request_id": late.request_id,
                "seconds": round(self.clock() - late.started, 1),
                "timeout": self.timeout,
            },
        )
        for handler in logging.getLogger().handlers:
            handler.flush()
        self.kill()
        return True

    def start_thread(self) -> None:
        """Start this process's watchdog thread once (a forked worker does not inherit the parent's)."""
        if self._thread_pid == os.getpid():
            return
        self._thread_pid = os.getpid()
        threading.Thread(target=self._run, name="request-watchdog", daemon=True).start()

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            self.check()


def init_watchdog(server: Flask, timeout: float) -> RequestWatchdog:
    """Record every request's start and end; the thread itself starts in gunicorn workers only."""
    watchdog = RequestWatchdog(timeout)
    server.extensions[EXTENSION_KEY] = watchdog

    @server.before_request
    def _watch() -> None:
        watchdog.started(request.path, g.get("request_id"))

    @server.after_request
    def _done(response: Response) -> Response:
        watchdog.finished()
        return response

    @server.teardown_request
    def _done_on_error(_exc: BaseException | None) -> None:
        watchdog.finished()

    return watchdog


def allow_more(seconds: float) -> None:
    """Let the current request run ``seconds`` longer (for uploads, by their size)."""
    watchdog: Any = current_app.extensions.get(EXTENSION_KEY)
    if watchdog is not None:
        watchdog.allow_more(seconds)
