"""The two background steps of batch scoring: validate an upload, then score it.

Both run inside a Dash background job (a forked process, or a Celery worker) and report progress
through a callback. They take everything from ``Services`` and the batch row, never from a
request, so they behave the same wherever they run.
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pandas as pd

from models import batch_scoring
from models.batch_files import TableFile, UnreadableFile, file_kind, open_table
from models.batch_scoring import (
    RESULT_CSV,
    RESULT_PARQUET,
    ChangedFile,
    ScoredChunk,
    ScoringStopped,
    score_table,
)
from models.batch_spill import SpillWriter, drop_spilled, read_spilled
from models.batch_validation import ValidationReport, validate_table
from models.registry import RegistryError
from portal.batch.limits import JobLimitExceeded, job_limits
from portal.batch.store import ERRORS_CSV, BatchStore
from portal.exports.safety import formula_starts, neutralise, neutralise_frame
from portal.services import Services

log = logging.getLogger(__name__)
Progress = Callable[[int, int | None], None]
_engine_pids: dict[int, int] = {}


def neutralise_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``neutralise_frame`` applied only to columns that may hold a formula, so big batches stay fast.

    A text column none of whose cells starts with a formula prefix is left as it is (checked in bulk).
    """
    risky = []
    out = frame.copy(deep=False)
    for position, (_, column) in enumerate(frame.items()):
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue
        plain_text = pd.api.types.is_string_dtype(column) and not pd.api.types.is_object_dtype(column)
        if not plain_text:
            risky.append(position)
            continue
        # Text columns: only cells starting with a formula prefix can change, so only they are checked.
        starts = formula_starts(column)
        if starts.any():
            values = column.to_numpy(dtype=object).copy()
            values[starts] = [neutralise(value) for value in values[starts]]
            out.isetitem(position, pd.Series(values, index=column.index, dtype=object))
    if risky:
        safe = neutralise_frame(frame.iloc[:, risky])
        for index, position in enumerate(risky):
            out.isetitem(position, safe.iloc[:, index])
    out.columns = [neutralise(str(name)) for name in frame.columns]
    return out


class ChunkLogger:
    """Logs each scored chunk on one background thread, at most ``MAX_PENDING`` chunks behind.

    Building the JSON and inserting overlap with scoring the next chunk (on two cores that is most
    of the logging time), while chunks are still logged in order and memory stays bounded.
    """

    MAX_PENDING = 2

    def __init__(self, prediction_log: Any, batch_id: str, user: str) -> None:
        self.prediction_log = prediction_log
        self.batch_id = batch_id
        self.user = user
        self.pending: collections.deque[Future[None]] = collections.deque()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-log")

    def submit(self, scored: ScoredChunk) -> None:
        while len(self.pending) >= self.MAX_PENDING:
            self.pending.popleft().result()
        self.pending.append(self.executor.submit(self._write, scored))

    def _write(self, scored: ScoredChunk) -> None:
        plog = self.prediction_log
        plog.write_chunk(scored.prediction, scored.features, scored.ids, "batch", self.batch_id, self.user)

    def drain(self) -> None:
        while self.pending:
            self.pending.popleft().result()

    def __enter__(self) -> ChunkLogger:
        return self

    def __exit__(self, *_exc: object) -> None:
        # Chunks already scored are logged even when scoring stops: those predictions were made.
        self.executor.shutdown(wait=True)


def store_for(services: Services) -> BatchStore:
    return BatchStore(services.engine, services.settings.data_dir / "batches")


def _fresh_connections(services: Services) -> None:
    """A forked job must not reuse its parent's pooled connections."""
    key = id(services.engine)
    if _engine_pids.get(key) != os.getpid():
        services.engine.dispose(close=False)
        _engine_pids[key] = os.getpid()


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a step tells the page: success, a message, and the validation report when there is one."""

    ok: bool
    message: str
    report: dict[str, Any] | None = None
    rows: int = 0


def _open(store: BatchStore, batch_id: str) -> TableFile:
    path = store.find_upload(batch_id)
    if path is None:
        raise UnreadableFile("The uploaded file is gone (it expired or was never stored): upload it again.")
    return open_table(path, file_kind(path.name))


@contextmanager
def _limits(services: Services) -> Iterator[Callable[[], str]]:
    settings = services.settings
    with job_limits(settings.batch_job_memory_mb * 2**20, settings.batch_job_minutes * 60) as stopped_by:
        yield stopped_by


def validate_upload(services: Services, batch_id: str, progress: Progress) -> Outcome:
    """Check the stored upload against the model's schema, within the job's memory and time limits."""
    with _limits(services) as stopped_by:
        try:
            return _validate_upload(services, batch_id, progress)
        except JobLimitExceeded:
            reason = f"Validation stopped: {stopped_by()}."
            store = store_for(services)
            _write_single_error(store.folder(batch_id) / ERRORS_CSV, reason)
            store.validated(batch_id, 0, 1)
            return Outcome(False, reason, ValidationReport(errors=1).to_dict())


def _validate_upload(services: Services, batch_id: str, progress: Progress) -> Outcome:
    """Check the stored upload against the model's schema; problems go to the errors CSV.

    Needs no database: the batch's state is its manifest, and the row follows when it can.
    """
    _fresh_connections(services)
    store = store_for(services)
    batch = store.get(batch_id)
    if batch is None:
        return Outcome(False, "Unknown batch: upload the file again.")
    errors_csv = store.folder(batch_id) / ERRORS_CSV
    spill: SpillWriter | None = None
    try:
        version = services.registry.get(batch.model_name)
        table = _open(store, batch_id)
        spill = SpillWriter(store.folder(batch_id), version.version)
        report = validate_table(
            table, version.schema, errors_csv, lambda rows: progress(rows, None), spill.add, neutralise
        )
    except UnreadableFile as exc:
        if spill is not None:
            spill.discard()
        _write_single_error(errors_csv, str(exc))
        store.validated(batch_id, 0, 1)
        return Outcome(False, str(exc), ValidationReport(errors=1).to_dict())
    except RegistryError as exc:
        return Outcome(False, f"The model cannot be used: {exc}")
    if report.ok:
        spill.commit()
    else:
        spill.discard()
    store.validated(batch_id, report.rows, report.errors)
    if report.ok:
        return Outcome(True, f"{report.rows:,} rows passed validation", report.to_dict(), report.rows)
    message = f"{report.errors:,} error(s) must be fixed before scoring"
    if report.stopped:
        message = f"{message}; {report.stopped}"
    return Outcome(False, message, report.to_dict(), report.rows)


def _write_single_error(path: Any, message: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "severity", "message"])
        writer.writerow(["", "", "error", message])


def score_batch(services: Services, batch_id: str, progress: Progress) -> Outcome:
    """Score a validated upload, within the job's memory and time limits."""
    with _limits(services) as stopped_by:
        try:
            return _score_batch(services, batch_id, progress)
        except JobLimitExceeded:
            reason = f"Scoring stopped: {stopped_by()}."
            store_for(services).finish(batch_id, "failed", reason)
            return Outcome(False, reason)


def _score_batch(services: Services, batch_id: str, progress: Progress) -> Outcome:
    """Score a validated upload in chunks, log every prediction in bulk, and publish the result.

    With the database down, the state stays in the manifest and the log entries in the spool.
    """
    _fresh_connections(services)
    store = store_for(services)
    batch = store.get(batch_id)
    if batch is None:
        return Outcome(False, "Unknown batch: upload the file again.")
    if batch.error_count:
        return Outcome(False, "The file has validation errors: fix them and upload it again.")
    try:
        loaded = services.registry.load(batch.model_name)
    except RegistryError as exc:
        return Outcome(False, f"The model cannot be used: {exc}")
    if not store.start(batch_id, loaded.number, batch.rows_total):
        return Outcome(False, "This batch is already being scored or is finished.")
    folder = store.folder(batch_id)
    logger = ChunkLogger(services.prediction_log, batch_id, batch.user_name)

    def on_chunk(scored: ScoredChunk) -> None:
        logger.submit(scored)
        if not store.heartbeat(batch_id, scored.rows_done):
            raise ScoringStopped
        progress(scored.rows_done, batch.rows_total)

    try:
        with logger:
            chunk_rows = batch_scoring.SCORING_CHUNK_ROWS
            rows = score_table(
                _open(store, batch_id),
                loaded,
                folder,
                on_chunk,
                neutralise_columns,
                chunk_rows,
                read_spilled(folder, loaded.number, chunk_rows),
            )
            logger.drain()  # every prediction is logged before the batch is called done
    except ScoringStopped:
        return Outcome(False, "Scoring was cancelled; no result was kept.")
    except (UnreadableFile, ChangedFile) as exc:
        store.finish(batch_id, "failed", str(exc))
        return Outcome(False, str(exc))
    except JobLimitExceeded:
        raise  # the limits' own message is recorded by score_batch
    except Exception as exc:
        log.exception("batch scoring failed", extra={"batch_id": batch_id})
        store.finish(batch_id, "failed", f"scoring failed: {type(exc).__name__}: {exc}")
        return Outcome(False, f"Scoring failed: {type(exc).__name__}: {exc}")
    drop_spilled(folder)
    if not store.finish(batch_id, "done", f"{rows:,} rows scored", rows_done=rows):
        for name in (RESULT_CSV, RESULT_PARQUET):
            (folder / name).unlink(missing_ok=True)
        return Outcome(False, "Scoring was cancelled; no result was kept.")
    return Outcome(True, f"{rows:,} rows scored with {loaded.name} v{loaded.number}", rows=rows)
