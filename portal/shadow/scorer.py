"""The shadow scorer: a bounded per-process queue of live predictions, scored in batches by one thread.

The live request only appends to the queue (a lock and a deque), so a slow or failing shadow
version never slows or fails a live answer. When the queue holds ``capacity`` rows, further rows
are dropped and counted (``portal_shadow_dropped_rows``): shadow results are a sample, never a
reason to push back on live traffic. Queued rows of a worker that dies are lost the same way.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from prometheus_client import Counter

from models.inference import Prediction, predict_uncached
from models.registry import ModelRegistry, RegistryError
from portal.db.shadow import shadow_predictions
from portal.shadow.rows import COLUMNS, shadow_rows

log = logging.getLogger(__name__)

SCORED = Counter("portal_shadow_rows", "Live predictions scored by a shadow version and stored")
DROPPED = Counter(
    "portal_shadow_dropped_rows", "Live predictions not shadowed because the shadow queue was full"
)
FAILED = Counter("portal_shadow_failed_rows", "Live predictions whose shadow scoring or storing failed")
# Rows scored by one model call: large enough to amortise the estimator's fixed cost per call.
BATCH_ROWS = 2000
# How long the thread lets rows gather before scoring them: one call for many small requests.
LINGER_SECONDS = 2.0
# The scoring thread's nice value: live requests of this worker and others get the cores first.
SHADOW_NICENESS = 10


@dataclasses.dataclass(frozen=True)
class _Job:
    live: Prediction
    frame: pd.DataFrame
    prediction_ids: tuple[str, ...]
    shadow_version: int


class ShadowScorer:
    """Scores live predictions with each model's shadow version, if it has one."""

    def __init__(self, registry: ModelRegistry, engine: sa.Engine, capacity: int) -> None:
        self.registry = registry
        self.engine = engine
        self.capacity = capacity
        self._jobs: collections.deque[_Job] = collections.deque()
        self._queued = 0  # rows waiting, plus rows being scored
        self._waiting = 0  # rows waiting only
        self._wake = threading.Condition()
        self._owner_pid: int | None = None

    def offer(self, live: Prediction, frame: pd.DataFrame, prediction_ids: Sequence[str]) -> bool:
        """Queue a live answer for its model's shadow version; False when none is set or it was dropped."""
        try:
            version = self.registry.shadow_version(live.model)
        except OSError:
            return False
        if version is None or version == live.version or not prediction_ids:
            return False
        rows = len(prediction_ids)
        with self._wake:
            if self._queued + rows > self.capacity:
                DROPPED.inc(rows)
                return False
            was_empty = not self._jobs
            self._jobs.append(_Job(live, frame, tuple(prediction_ids), version))
            self._queued += rows
            self._waiting += rows
            self._ensure_thread()
            # Wake the thread only to start a batch or to end one early: not once per live request.
            if was_empty or self._waiting >= BATCH_ROWS:
                self._wake.notify()
        return True

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every queued row is stored (for the CLI and tests); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._queued:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(min(left, 0.05))
        return True

    @property
    def queued(self) -> int:
        return self._queued

    def _ensure_thread(self) -> None:
        # Threads do not survive a fork: each gunicorn worker starts its own on first use.
        if self._owner_pid != os.getpid():
            self._owner_pid = os.getpid()
            threading.Thread(target=self._run_forever, name="portal-shadow", daemon=True).start()

    def _take(self) -> list[_Job]:
        with self._wake:
            while not self._jobs:
                self._wake.wait()
            deadline = time.monotonic() + LINGER_SECONDS
            while self._waiting < BATCH_ROWS and (left := deadline - time.monotonic()) > 0:
                self._wake.wait(left)
            taken, rows = [], 0
            while self._jobs and (not taken or rows + len(self._jobs[0].prediction_ids) <= BATCH_ROWS):
                job = self._jobs.popleft()
                taken.append(job)
                rows += len(job.prediction_ids)
            self._waiting -= rows
            return taken

    def _run_forever(self) -> None:
        _lower_priority()
        while True:
            jobs = self._take()
            try:
                self._score(jobs)
            finally:
                with self._wake:
                    self._queued -= sum(len(job.prediction_ids) for job in jobs)
                    self._wake.notify_all()

    def _score(self, jobs: list[_Job]) -> None:
        groups: dict[tuple[str, int, int], list[_Job]] = collections.defaultdict(list)
        for job in jobs:
            groups[(job.live.model, job.live.version, job.shadow_version)].append(job)
        for (name, _live_version, version), group in groups.items():
            rows = sum(len(job.prediction_ids) for job in group)
            try:
                stored = self._score_group(name, version, group)
            except (RegistryError, sa.exc.SQLAlchemyError, KeyError, ValueError, TypeError):
                FAILED.inc(rows)
                log.exception(
                    "shadow scoring failed", extra={"model": name, "version": version, "rows": rows}
                )
                continue
            SCORED.inc(stored)

    def _score_group(self, name: str, version: int, group: list[_Job]) -> int:
        loaded = self.registry.load(name, version)
        frame = (
            pd.concat([job.frame for job in group], ignore_index=True) if len(group) > 1 else group[0].frame
        )
        shadow = predict_uncached(loaded, frame)
        at = dt.datetime.now(dt.UTC)
        sqlite = self.engine.dialect.name == "sqlite"
        rows, start = [], 0
        for job in group:
            end = start + len(job.prediction_ids)
            rows += shadow_rows(job.live, _slice(shadow, start, end), job.prediction_ids, at, sqlite)
            start = end
        marks = ", ".join(["?" if sqlite else "%s"] * len(COLUMNS))
        # A live id is shadowed once: a repeated offer (a replayed request) adds nothing.
        sql = (
            f"INSERT INTO {shadow_predictions.name} ({', '.join(COLUMNS)}) VALUES ({marks}) "
            "ON CONFLICT (prediction_id) DO NOTHING"
        )
        with self.engine.begin() as connection:
            connection.exec_driver_sql(sql, rows)
        return len(rows)


def _lower_priority() -> None:
    """Linux nices each thread on its own: this one yields the cores to live requests under load."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SHADOW_NICENESS)


def _slice(prediction: Prediction, start: int, end: int) -> Prediction:
    probabilities = None if prediction.probabilities is None else prediction.probabilities[start:end]
    return dataclasses.replace(
        prediction, predictions=prediction.predictions[start:end], probabilities=probabilities
    )
