"""A scheduler built from the portal's job sources, and run in the foreground until a signal.

``portal report schedule`` runs it as its own process (compose, Kubernetes, a Procfile's
``scheduler:`` line); ``portal serve`` runs the same one beside gunicorn (:mod:`.sidecar`).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterable

import sqlalchemy as sa

from models.registry import ModelRegistry
from portal.config import Settings
from portal.scheduler.loop import Scheduler, instance_for
from portal.scheduler.sources import default_sources

log = logging.getLogger(__name__)


def build_scheduler(
    settings: Settings, engine: sa.Engine, registry: ModelRegistry, page_paths: Iterable[str], role: str
) -> Scheduler:
    """A scheduler over every job source of this portal, identified as ``role`` to the others."""
    sources = default_sources(settings, engine, registry, page_paths)
    return Scheduler(settings, engine, sources, instance_for(role))


def run_until_signalled(scheduler: Scheduler) -> int:
    """Tick until SIGTERM or SIGINT, then let running reports and checks finish and exit 0."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("scheduler stopping", extra={"signal": signal.Signals(signum).name})
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        scheduler.serve(stop)
        scheduler.close()
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
