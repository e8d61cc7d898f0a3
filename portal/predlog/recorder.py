"""The prediction-log service: every prediction shown or returned is one row, even with the database down.

Writes go to the database when it answers; the writes of concurrent requests in a worker share one
transaction (``portal.predlog.group_commit``), and each request returns once its rows are
committed. When the database does not answer, entries go to a durable local spool
(``portal.predlog.spool``), and the database is skipped for a short cool-down so predictions
stay fast; a background thread per process, and the next successful write, replay the spool in
order. Inserts ignore a prediction id already present, so a replay is exactly-once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from prometheus_client import Counter

from models.cool_down import CoolDown
from models.inference import Prediction
from models.prediction_ids import new_prediction_ids
from portal.db.prediction_log import SOURCES, prediction_log
from portal.predlog import background
from portal.predlog.checkpoint import WalCheckpointer
from portal.predlog.day_counts import add_counts
from portal.predlog.documents import feature_documents, output_documents
from portal.predlog.group_commit import MAX_GROUP_ROWS, GroupCommit
from portal.predlog.inserts import insert_rows
from portal.predlog.spool import PredictionSpool
from portal.web.identity import current_user

log = logging.getLogger(__name__)

FLUSH_INTERVAL_SECONDS = 5.0


class PredictionLog:
    """Records predictions; ``record_frame`` for a few rows, ``record_batch`` for a scored chunk."""

    def __init__(
        self,
        engine: sa.Engine,
        spool_dir: Path,
        user: Callable[[], str] = current_user,
        flush_interval: float = FLUSH_INTERVAL_SECONDS,
        flush_hooks: Sequence[Callable[[], Any]] = (),
    ) -> None:
        self.engine = engine
        self.spool = PredictionSpool(spool_dir)
        self.user = user
        self.flush_interval = flush_interval
        self.flush_hooks = tuple(flush_hooks)
        self._database = CoolDown()
        self._flusher_pid = 0
        self._flusher_lock = threading.Lock()
        self._stop = threading.Event()
        self._group = GroupCommit(self._insert_rows)
        self._checkpointer = WalCheckpointer(engine)
        self._group_pid = os.getpid()
        self._counted = threading.Lock()
        self.transactions = 0

    # -- what callers use -------------------------------------------------------------------------
    def record_frame(
        self, prediction: Prediction, frame: pd.DataFrame, source: str = "ui", batch_id: str | None = None
    ) -> list[str]:
        """Log each row of ``frame`` with its prediction; returns the new prediction ids in row order."""
        if source not in SOURCES:
            raise ValueError(f"unknown prediction source {source!r}")
        ids = new_prediction_ids(len(frame))
        self.write_chunk(prediction, frame, ids, source, batch_id, self.user())
        return ids

    def prepare_features(self, frame: pd.DataFrame) -> Future[list[str]]:
        """``feature_documents(frame)`` built on the background pool, e.g. while the model scores."""
        return background.submit(feature_documents, frame.copy(deep=False))  # own item cache

    def record_frame_later(
        self,
        prediction: Prediction,
        frame: pd.DataFrame,
        source: str,
        features: Sequence[str] | None = None,
    ) -> tuple[list[str], Future[bool]]:
        """``record_frame`` on the background pool: the ids now, and a future done once rows are durable.

        The caller must wait for the future (its ``result()`` raises what the write raised) before it
        acknowledges the prediction.
        """
        if source not in SOURCES:
            raise ValueError(f"unknown prediction source {source!r}")
        ids = new_prediction_ids(len(frame))
        user = self.user()  # on the request's thread, which knows the requester
        return ids, background.submit(self.write_chunk, prediction, frame, ids, source, None, user, features)

    def entries(
        self,
        prediction: Prediction,
        frame: pd.DataFrame,
        ids: Sequence[str],
        source: str,
        batch_id: str | None,
        user: str,
    ) -> list[dict[str, Any]]:
        """Rows for the log table, one per input row, all stamped with the same time."""
        now = dt.datetime.now(dt.UTC).isoformat()
        return _as_entries(now, prediction, feature_documents(frame), ids, source, batch_id, user)

    def write_chunk(
        self,
        prediction: Prediction,
        frame: pd.DataFrame,
        ids: Sequence[str],
        source: str,
        batch_id: str | None,
        user: str,
        features: Sequence[str] | None = None,
    ) -> bool:
        """``write(entries(...))`` with no dict per row on the way to the database (the spool needs them).

        ``features``: ``feature_documents(frame)`` when the caller built them already (on another thread).
        """
        now = dt.datetime.now(dt.UTC)
        documents = (lambda: features) if features is not None else (lambda: feature_documents(frame))

        def rows() -> list[tuple[Any, ...]]:
            stamp = driver_stamp(now, self.engine.dialect.name == "sqlite")
            features, outputs = documents(), output_documents(prediction)
            model, version = prediction.model, prediction.version
            fixed = (stamp, model, version, source, batch_id, user)
            return [
                (pid, *fixed, feature, output)
                for pid, feature, output in zip(ids, features, outputs, strict=True)
            ]

        return self._store(
            rows,
            lambda: _as_entries(now.isoformat(), prediction, documents(), ids, source, batch_id, user),
        )

    def write(self, entries: list[dict[str, Any]]) -> bool:
        """Insert entries (replaying the spool first); spool them when the database fails. True if stored."""
        sqlite = self.engine.dialect.name == "sqlite"
        return self._store(lambda: _driver_rows(entries, sqlite), lambda: entries)

    def _store(
        self, rows: Callable[[], list[tuple[Any, ...]]], entries: Callable[[], list[dict[str, Any]]]
    ) -> bool:
        """Driver rows to the database, or the same predictions as entries to the spool."""
        self.ensure_flusher()
        if not self._database.active():
            try:
                if self.spool.pending():
                    self.spool.replay(self._insert)
                self._commit(rows())
                return True
            except sa.exc.SQLAlchemyError as exc:
                self._database.start()
                spooled = entries()
                log.warning(
                    "prediction log database unavailable; spooling locally",
                    extra={"error": type(exc).__name__, "entries": len(spooled)},
                )
                SPOOLED.inc(self.spool.append(spooled))
                return False
        SPOOLED.inc(self.spool.append(entries()))
        return False

    def flush(self) -> int:
        """Replay the spool now; returns how many entries reached the database (0 while it is down)."""
        if not self.spool.pending():
            return 0
        try:
            sent = self.spool.replay(self._insert)
        except sa.exc.SQLAlchemyError as exc:
            self._database.start()
            log.info("prediction log database still unavailable", extra={"error": type(exc).__name__})
            return 0
        self._database.clear()
        return sent

    # -- the database ----------------------------------------------------------------------------
    def _commit(self, rows: list[tuple[Any, ...]]) -> None:
        """Request-sized writes join this worker's group commit; batch chunks take their own transaction."""
        if len(rows) >= MAX_GROUP_ROWS:
            self._insert_rows(rows)
            return
        if self._group_pid != os.getpid():  # a forked child must not share its parent's waiters
            self._group, self._group_pid = GroupCommit(self._insert_rows), os.getpid()
        self._group.submit(rows)

    def _insert(self, entries: Iterable[dict[str, Any]]) -> None:
        self._insert_rows(_driver_rows(entries, self.engine.dialect.name == "sqlite"))

    def _insert_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """One transaction of multi-row INSERTs, ignoring ids already logged (idempotent replay).

        A large one leaves SQLite's checkpoint to a thread, so the request waits only for its own commit.
        """
        if not rows:
            return
        with (
            self.engine.connect() as connection,
            self._checkpointer.deferred(connection, len(rows)),
            connection.begin(),
        ):
            inserted = insert_rows(connection, COLUMNS, rows)
            add_counts(connection, rows, inserted)
        with self._counted:
            self.transactions += 1
        TRANSACTIONS.inc()
        ROWS.inc(len(rows))

    # -- the background flusher ------------------------------------------------------------------
    def ensure_flusher(self) -> None:
        """Start this process's flusher thread once (after a fork, the parent's thread is gone)."""
        if self._flusher_pid == os.getpid():
            return
        with self._flusher_lock:
            if self._flusher_pid == os.getpid():
                return
            self._flusher_pid = os.getpid()
            self._stop = threading.Event()
            thread = threading.Thread(target=self._flush_forever, name="prediction-log-flusher", daemon=True)
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._checkpointer.stop()

    def _flush_forever(self) -> None:
        stop = self._stop
        while not stop.wait(self.flush_interval):
            for task in (*self.flush_hooks, self.flush):
                try:
                    task()
                except Exception:  # never let the thread die; the next round tries again
                    log.exception(
                        "prediction log flush failed", extra={"task": getattr(task, "__name__", "")}
                    )


COLUMNS = tuple(column.name for column in prediction_log.columns)
ROWS = Counter("portal_prediction_log_rows", "Prediction-log rows committed (replays included)")
TRANSACTIONS = Counter("portal_prediction_log_transactions", "Prediction-log transactions committed")
SPOOLED = Counter("portal_prediction_log_spooled", "Prediction-log entries spooled while the database failed")


# write_chunk builds rows in this order without naming the columns.
assert COLUMNS == (
    "prediction_id",
    "created_at",
    "model_name",
    "model_version",
    "source",
    "batch_id",
    "user_name",
    "features",
    "output",
), COLUMNS


def _as_entries(
    now: str,
    prediction: Prediction,
    features: Sequence[str],
    ids: Sequence[str],
    source: str,
    batch_id: str | None,
    user: str,
) -> list[dict[str, Any]]:
    outputs = output_documents(prediction)
    return [
        {
            "prediction_id": pid,
            "created_at": now,
            "model_name": prediction.model,
            "model_version": prediction.version,
            "source": source,
            "batch_id": batch_id,
            "user_name": user,
            "features": feature,
            "output": output,
        }
        for pid, feature, output in zip(ids, features, outputs, strict=True)
    ]


def driver_stamp(moment: dt.datetime, sqlite: bool) -> Any:
    """A time as the driver takes it: UTC, and SQLAlchemy's text form on SQLite."""
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else moment


def _driver_rows(entries: Iterable[dict[str, Any]], sqlite: bool) -> list[tuple[Any, ...]]:
    """Rows as the DB driver takes them; times in UTC (SQLite stores them as SQLAlchemy's text)."""
    stamps: dict[str, Any] = {}

    def stamp(text: str) -> Any:
        if text not in stamps:
            stamps[text] = driver_stamp(dt.datetime.fromisoformat(text), sqlite)
        return stamps[text]

    return [
        tuple(stamp(entry[name]) if name == "created_at" else entry[name] for name in COLUMNS)
        for entry in entries
    ]
