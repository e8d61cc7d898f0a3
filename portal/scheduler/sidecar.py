"""The scheduler beside gunicorn: a dirty app, so gunicorn itself starts, supervises and stops it.

gunicorn.conf.py lists this class in ``dirty_apps`` when ``PORTAL_SCHEDULER`` is on. gunicorn's
dirty arbiter then forks one dirty worker for it from the preloaded master, respawns it if it dies
(and respawns the arbiter if that dies), stops it within the graceful timeout on TERM or INT, and
shuts it down if the master vanishes. No process manager of our own is involved: the scheduler is
a thread in that worker, started by ``init`` and stopped by ``close``.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
import threading
import time

from gunicorn.dirty.app import DirtyApp

from portal.scheduler.loop import Scheduler
from portal.scheduler.service import build_scheduler
from portal.services import SERVICES_KEY, Services
from portal.threads import cap_loaded_pools

log = logging.getLogger(__name__)
# gunicorn gives the worker dirty_graceful_timeout (30 s) before it kills it; record the stop first.
STOP_WAIT_SECONDS = 25.0


def _preloaded_services() -> Services:
    """The master preloaded ``wsgi`` (preload_app), so its services are already in this fork."""
    wsgi = sys.modules.get("wsgi") or importlib.import_module("wsgi")
    return wsgi.server.extensions[SERVICES_KEY]


class SchedulerSidecar(DirtyApp):
    """One dirty worker runs the report and alert scheduler in a thread."""

    workers = 1  # one per gunicorn: the leader locks make more pointless, and a HUP keeps this one

    def __init__(self) -> None:
        self.scheduler: Scheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def init(self) -> None:
        services = _preloaded_services()
        settings = services.settings
        cap_loaded_pools(settings.native_threads)
        # Like an HTTP worker after fork: never reuse the master's database connections.
        services.engine.dispose(close=False)
        self.scheduler = build_scheduler(
            settings, services.engine, services.registry, services.pages.paths, role="gunicorn"
        )
        parent = os.getppid()
        self._thread = threading.Thread(
            target=self._serve, args=(lambda: os.getppid() == parent,), name="portal-scheduler", daemon=True
        )
        self._thread.start()

    def _serve(self, alive) -> None:
        try:
            self.scheduler.serve(self._stop, alive)
        except BaseException:
            log.exception("scheduler thread crashed")
        finally:
            if not self._stop.is_set():
                # Ended on its own (crash, or the arbiter is gone): let gunicorn replace this worker.
                os.kill(os.getpid(), signal.SIGTERM)

    def close(self) -> None:
        self._stop.set()
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        if self._thread is not None:
            self._thread.join(timeout=STOP_WAIT_SECONDS)
        if self.scheduler is not None:
            self.scheduler.close(timeout=max(0.0, deadline - time.monotonic()))
