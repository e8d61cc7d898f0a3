"""The scheduler: every few seconds, re-read the definitions, then claim and run what is due.

Each tick is cheap (a stamp per source and three small queries), so definitions added, changed or
removed while it runs are picked up within a tick. A due fire is claimed under its job's lock
(:mod:`portal.scheduler.lease`) and run in a small thread pool, so one long report does not hold
up an alert check. ``tick(at=...)`` decides as if the clock read ``at``: the seam tests drive
time through (``portal report tick --at``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for

import sqlalchemy as sa

from portal.config import Settings
from portal.reports import retention
from portal.reports.locks import AlreadyRunning
from portal.scheduler import state
from portal.scheduler.jobs import JobResult, ScheduledJob
from portal.scheduler.lease import job_lock
from portal.scheduler.sources import Catalog, JobSource
from portal.scheduler.state import Instance

log = logging.getLogger(__name__)
TICK_SECONDS = 5.0
# Report renders drive Chromium; more at once would only queue on two cores. Each running job
# holds one database connection for its lock (PostgreSQL) and its run may take one more.
MAX_PARALLEL = 3
PRUNE_SECONDS = 3600.0
# A run that starts later than this after its fire time is logged as a catch-up.
CATCH_UP_SECONDS = 60.0


def instance_for(role: str) -> Instance:
    """This process as a scheduler instance; one-shot ticks share one identity per host."""
    host = socket.gethostname()
    if role == "tick":
        return Instance(f"{host}:tick", host, os.getpid(), role)
    return Instance(f"{host}:{os.getpid()}:{secrets.token_hex(3)}", host, os.getpid(), role)


@dataclasses.dataclass(frozen=True)
class Attempt:
    """What one scheduler did with one due job: ran, skipped, busy (someone else has it) or not due."""

    job: str
    action: str
    ok: bool
    detail: str


class Scheduler:
    """Claims and runs due jobs from ``sources``; any number of these may share one database."""

    def __init__(
        self,
        settings: Settings,
        engine: sa.Engine,
        sources: Sequence[JobSource],
        instance: Instance,
        clock: Callable[[], dt.datetime] = state.wall_clock,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.instance = instance
        self.clock = clock
        self.grace = dt.timedelta(minutes=settings.scheduler_grace_minutes)
        self.catalog = Catalog(sources)
        self._pool = ThreadPoolExecutor(MAX_PARALLEL, thread_name_prefix="portal-scheduler")
        self._running: set[str] = set()
        self._inflight: set[Future[Attempt]] = set()
        self._guard = threading.Lock()
        self._pruned_at = float("-inf")

    def tick(self, at: dt.datetime | None = None) -> list[Future[Attempt]]:
        """Refresh definitions and start every due job not already running here; returns their futures."""
        now = at or self.clock()
        snapshot = self.catalog.refresh()
        state.heartbeat(self.engine, self.instance, "; ".join(snapshot.problems) or None)
        state.sync(self.engine, snapshot.jobs, snapshot.origins, now)
        started = []
        for key in state.due(self.engine, now):
            job = snapshot.jobs.get(key)
            if job is None:
                continue  # retired by the sync above, or its source has not loaded yet
            with self._guard:
                if key in self._running:
                    continue
                self._running.add(key)
            future = self._pool.submit(self._attempt, job, at)
            with self._guard:
                self._inflight.add(future)
            future.add_done_callback(self._done)
            started.append(future)
        if time.monotonic() - self._pruned_at > PRUNE_SECONDS:
            self._pruned_at = time.monotonic()
            state.prune(self.engine)
            try:
                retention.sweep(self.settings, self.engine, now)
            except (OSError, sa.exc.SQLAlchemyError):
                log.exception("report outputs not swept")
        return started

    def _done(self, future: Future[Attempt]) -> None:
        with self._guard:
            self._inflight.discard(future)

    def _attempt(self, job: ScheduledJob, at: dt.datetime | None) -> Attempt:
        try:
            with job_lock(self.settings, self.engine, job.key):
                return self._run_claimed(job, at)
        except AlreadyRunning as exc:
            return Attempt(job.key, "busy", True, str(exc))
        except sa.exc.SQLAlchemyError as exc:
            reason = f"the portal database failed: {type(exc).__name__}"
            log.warning("scheduled job not claimed", extra={"job": job.key, "error": reason})
            return Attempt(job.key, "error", False, reason)
        except Exception as exc:  # a bug must not kill the pool thread, and must be seen
            log.exception("scheduled job crashed", extra={"job": job.key})
            return Attempt(job.key, "error", False, f"internal error: {type(exc).__name__}: {exc}")
        finally:
            with self._guard:
                self._running.discard(job.key)

    def _run_claimed(self, job: ScheduledJob, at: dt.datetime | None) -> Attempt:
        claim = state.claim(self.engine, job, at or self.clock(), self.grace, self.instance)
        if claim is None:
            return Attempt(job.key, "not due", True, "another scheduler has already taken it")
        context = {
            "job": job.key,
            "scheduled_for": claim.due.latest.isoformat(),
            "late_seconds": round(claim.late.total_seconds(), 1),
            "coalesced": claim.due.fires - 1,
            "instance": self.instance.id,
        }
        if claim.skipped:
            log.warning("scheduled run skipped", extra={**context, "reason": claim.skipped})
            job.skip(claim.skipped)
            return Attempt(job.key, "skipped", True, claim.skipped)
        if claim.late.total_seconds() > CATCH_UP_SECONDS:
            log.warning("catching up a missed scheduled run", extra=context)
        else:
            log.info("scheduled run starting", extra=context)
        try:
            result = job.run()
        except Exception as exc:  # the job's own failures are results; this is a bug, recorded as one
            log.exception("scheduled run crashed", extra=context)
            result = JobResult(False, f"internal error: {type(exc).__name__}: {exc}")
        state.finish(self.engine, job, claim.run_id, result)
        return Attempt(job.key, "ran", result.ok, result.detail)

    def serve(self, stop: threading.Event, alive: Callable[[], bool] = lambda: True) -> None:
        """Tick every TICK_SECONDS until ``stop`` is set (or ``alive()`` turns False)."""
        log.info(
            "scheduler started",
            extra={"instance": self.instance.id, "role": self.instance.role, "tick_seconds": TICK_SECONDS},
        )
        failing: str | None = None
        while not stop.is_set():
            if not alive():
                log.warning("the process that started the scheduler is gone; stopping")
                break
            try:
                self.tick()
                if failing:
                    log.info("scheduler ticks again", extra={"instance": self.instance.id})
                failing = None
            except Exception as exc:  # the database is down, say: keep ticking, log each new reason once
                reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
                if reason != failing:
                    log.error("scheduler tick failed", extra={"instance": self.instance.id, "error": reason})
                failing = reason
            stop.wait(TICK_SECONDS)

    def close(self, timeout: float | None = None) -> None:
        """Start nothing more, let running jobs finish (at most ``timeout`` seconds), record the stop."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._guard:
            running = set(self._inflight)
        if running:
            log.info("scheduler waiting for running jobs", extra={"jobs": len(running), "timeout": timeout})
        _finished, unfinished = wait_for(running, timeout=timeout)
        if unfinished:
            log.warning("scheduler stopped with jobs still running", extra={"jobs": len(unfinished)})
        try:
            state.stopped(self.engine, self.instance)
        except sa.exc.SQLAlchemyError as exc:
            log.warning("scheduler stop not recorded", extra={"error": type(exc).__name__})
        log.info("scheduler stopped", extra={"instance": self.instance.id})
