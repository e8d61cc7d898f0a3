"""Micro-batching: concurrent predictions for one model version share one estimator call.

A fitted scikit-learn pipeline pays a fixed cost per call (a ``ColumnTransformer`` over a
pandas frame: about 15 ms on the demo model) whatever the number of rows, so one call on the
rows of several requests costs little more than one call on one of them. Requests that arrive
while a batch runs, or that are already on their way (parsed, being validated), are scored
together, and each caller gets exactly its own rows back.

A caller waits for company only when it has reason to expect some: when another request for
the model is on its way, or when recent traffic showed requests overlapping. A lone client never
waits. Rows are independent in a fitted pipeline's ``predict``, so a row's answer does not depend
on the batch it was scored in; should a combined call fail, each frame is retried alone so one
request's bad row cannot fail another's.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
from prometheus_client import Counter, Histogram

from models.inference import Prediction, predict_uncached
from models.registry import LoadedModel

log = logging.getLogger(__name__)

BATCHED_CALLS = Counter(
    "portal_predict_batches", "Estimator calls made for coalesced predictions, by model", ["model"]
)
BATCHED_REQUESTS = Counter(
    "portal_predict_batched_requests", "Predictions answered through a coalesced call, by model", ["model"]
)
BATCH_SIZE = Histogram(
    "portal_predict_batch_requests",
    "Requests scored by one estimator call",
    buckets=(1, 2, 3, 4, 6, 8, 12, 16, 32),
)

# Observed overlap is trusted for this long: traffic that stops overlapping stops the waits soon.
CONCURRENCY_MEMORY_SECONDS = 1.0


@dataclasses.dataclass(eq=False)
class _Entry:
    """One caller's frame and, once scored, its answer or error."""

    frame: pd.DataFrame
    done: bool = False
    result: Prediction | None = None
    error: BaseException | None = None


@dataclasses.dataclass
class _Lane:
    """The queue of one model version: callers waiting, whether a batch is running, recent overlap."""

    pending: list[_Entry] = dataclasses.field(default_factory=list)
    running: int = 0
    peak: int = 1
    peak_at: float = 0.0

    def observe(self, concurrent: int, now: float) -> None:
        if concurrent >= self.peak or now - self.peak_at > CONCURRENCY_MEMORY_SECONDS:
            self.peak, self.peak_at = concurrent, now

    def expected(self, arriving: int, now: float) -> int:
        """How many callers a batch should hold: those on their way, or the recent overlap."""
        recent = self.peak if now - self.peak_at <= CONCURRENCY_MEMORY_SECONDS else 1
        return max(recent, len(self.pending) + arriving)


class PredictBatcher:
    """Coalesces concurrent ``predict_uncached`` calls per (model, version, checksum) in one process.

    ``max_wait`` bounds how long a caller holds its batch open for expected company; ``max_rows``
    bounds a batch, and a frame at least that large is scored alone.
    """

    def __init__(
        self,
        max_wait: float,
        max_rows: int,
        score: Callable[[LoadedModel, pd.DataFrame], Prediction] = predict_uncached,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_wait = max_wait
        self.max_rows = max_rows
        self._score = score
        self._clock = clock
        self._condition = threading.Condition()
        self._lanes: dict[tuple[str, int, str], _Lane] = {}
        self._arriving: dict[str, int] = {}
        self._local = threading.local()

    @contextmanager
    def arriving(self, model: str) -> Iterator[None]:
        """Announce a request for ``model`` that is still being parsed and validated.

        A batch about to start waits (up to ``max_wait``) for announced requests to join it; the
        announcement ends when this thread's prediction joins a queue, or when the block exits.
        """
        announced = self._announced()
        with self._condition:
            self._arriving[model] = self._arriving.get(model, 0) + 1
            announced.add(model)
        try:
            yield
        finally:
            with self._condition:
                self._withdraw(model)
                self._condition.notify_all()

    def _announced(self) -> set[str]:
        models = getattr(self._local, "models", None)
        if models is None:
            models = self._local.models = set()
        return models

    def _withdraw(self, model: str) -> None:
        """End this thread's announcement for ``model``, if any (lock held)."""
        announced = self._announced()
        if model in announced:
            announced.discard(model)
            self._arriving[model] -= 1

    def predict(self, loaded: LoadedModel, frame: pd.DataFrame) -> Prediction:
        """The prediction for ``frame``'s rows, possibly computed together with other callers' rows."""
        if len(frame) >= self.max_rows:
            return self._score(loaded, frame)
        key = (loaded.name, loaded.number, loaded.version.model_sha256)
        entry = _Entry(frame)
        with self._condition:
            self._withdraw(loaded.name)
            lane = self._lanes.setdefault(key, _Lane())
            lane.pending.append(entry)
            lane.observe(len(lane.pending) + lane.running, self._clock())
            self._condition.notify_all()
            while not entry.done and (lane.running or lane.pending[0] is not entry):
                self._condition.wait()
            if entry.done:
                return _answer(entry)
            batch = self._gather(lane, loaded.name)
            lane.running = len(batch)
        try:
            self._run(loaded, batch)
        finally:
            with self._condition:
                lane.running = 0
                self._condition.notify_all()
        return _answer(entry)

    def _gather(self, lane: _Lane, model: str) -> list[_Entry]:
        """Wait (lock held) for expected company, then take the head of the queue up to ``max_rows``."""
        deadline = self._clock() + self.max_wait
        while True:
            now = self._clock()
            rows = sum(len(e.frame) for e in lane.pending)
            wanted = lane.expected(self._arriving.get(model, 0), now)
            if len(lane.pending) >= wanted or rows >= self.max_rows:
                break
            if now >= deadline:
                # The company expected did not come: expect only what did, until traffic shows more.
                lane.peak, lane.peak_at = len(lane.pending), now
                break
            self._condition.wait(deadline - now)
        batch: list[_Entry] = []
        rows = 0
        for queued in lane.pending:
            if batch and rows + len(queued.frame) > self.max_rows:
                break
            batch.append(queued)
            rows += len(queued.frame)
        del lane.pending[: len(batch)]
        return batch

    def _run(self, loaded: LoadedModel, batch: list[_Entry]) -> None:
        """Score the batch in one call and hand each caller its rows; a failure retries frame by frame."""
        BATCH_SIZE.observe(len(batch))
        BATCHED_CALLS.labels(loaded.name).inc()
        BATCHED_REQUESTS.labels(loaded.name).inc(len(batch))
        try:
            if len(batch) == 1:
                results = [self._score(loaded, batch[0].frame)]
            else:
                combined = pd.concat([e.frame for e in batch], ignore_index=True)
                results = split_prediction(self._score(loaded, combined), [len(e.frame) for e in batch])
        except Exception as exc:
            if len(batch) == 1:
                results = [exc]
            else:
                log.info("a coalesced prediction failed; scoring its frames one by one", exc_info=True)
                results = [_alone(self._score, loaded, e.frame) for e in batch]
        with self._condition:
            for queued, outcome in zip(batch, results, strict=True):
                if isinstance(outcome, BaseException):
                    queued.error = outcome
                else:
                    queued.result = outcome
                queued.done = True
            self._condition.notify_all()


def _alone(score: Callable[[LoadedModel, pd.DataFrame], Prediction], loaded: LoadedModel, frame: Any):
    try:
        return score(loaded, frame)
    except Exception as exc:  # handed to its own caller, who raises it
        return exc


def _answer(entry: _Entry) -> Prediction:
    if entry.error is not None:
        raise entry.error
    assert entry.result is not None
    return entry.result


def split_prediction(prediction: Prediction, sizes: list[int]) -> list[Prediction]:
    """Cut one prediction over concatenated frames back into one per frame, in order."""
    parts = []
    start = 0
    for size in sizes:
        end = start + size
        probabilities = None if prediction.probabilities is None else prediction.probabilities[start:end]
        parts.append(
            dataclasses.replace(
                prediction, predictions=prediction.predictions[start:end], probabilities=probabilities
            )
        )
        start = end
    return parts
