"""Logged predictions as frames: the "current" side of drift, live performance and retraining.

The log stores features and outputs as JSON text; parsing a million rows takes seconds, so a
parsed window is kept in this process and re-read only when rows are added to it (its row count
and newest time are part of the key). Concurrent callbacks asking for the same window wait for one
read instead of each reading it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import pandas as pd
import sqlalchemy as sa

from models.schema import FeatureSpec
from portal.db.prediction_log import prediction_log
from portal.predlog.parsing import parse_rows

MEMO_WINDOWS = 3
# Windows beyond this many rows are tested on a uniform sample of about this many. The drift
# statistics barely move (a normed Wasserstein distance by about 1/sqrt(50,000) = 0.005 against a
# threshold of 0.1; the p-value tests apply to references of 1,000 rows), while reading and parsing
# stay near a second and a worker's memory stays flat however large the window.
SAMPLE_ROWS = 50_000
SAMPLE_SPACE = 16**4
_memo: OrderedDict[tuple[Any, ...], LoggedWindow] = OrderedDict()
_lock = threading.Lock()


@dataclasses.dataclass(frozen=True)
class WindowSpec:
    """Which logged rows: a model, optionally one version, and a time range or one batch."""

    model: str
    version: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    batch_id: str | None = None

    def where(self) -> list[Any]:
        table = prediction_log.c
        clauses: list[Any] = [table.model_name == self.model]
        if self.version is not None:
            clauses.append(table.model_version == self.version)
        if self.since is not None:
            clauses.append(table.created_at >= self.since)
        if self.until is not None:
            clauses.append(table.created_at < self.until)
        if self.batch_id is not None:
            clauses.append(table.batch_id == self.batch_id)
        return clauses


@dataclasses.dataclass(frozen=True)
class LoggedWindow:
    """Row metadata (id, time, version, source, prediction, probabilities) and the input features.

    A window larger than its reader's row budget holds a uniform random sample of ``total`` rows.
    """

    spec: WindowSpec
    meta: pd.DataFrame
    features: pd.DataFrame
    total: int = -1

    @property
    def rows(self) -> int:
        """Rows read: every row of the window, or the sample's."""
        return len(self.meta)

    @property
    def logged(self) -> int:
        """Rows the window holds in the log."""
        return self.total if self.total >= 0 else self.rows

    @property
    def sampled(self) -> bool:
        return self.rows < self.logged


def last_days(
    model: str, days: int, now: dt.datetime | None = None, version: int | None = None
) -> WindowSpec:
    """The ``days`` before now; a given ``now`` also ends the window there (reproducible reports).

    Without ``now`` the start is rounded down to the minute, so repeated views of a rolling window
    name the same rows and hit the same caches instead of missing them by microseconds.
    """
    end = now or dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    return WindowSpec(model, version, since=end - dt.timedelta(days=days), until=now)


def month(model: str, year_month: str, version: int | None = None) -> WindowSpec:
    """A calendar month (``YYYY-MM``, UTC) of logged predictions; ValueError when malformed."""
    start = dt.datetime.strptime(year_month, "%Y-%m").replace(tzinfo=dt.UTC)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return WindowSpec(model, version, since=start, until=end)


def window_fingerprint(engine: sa.Engine, spec: WindowSpec) -> tuple[int, Any]:
    """The window's row count and newest time, from the index: what changes when rows arrive."""
    query = sa.select(sa.func.count(), sa.func.max(prediction_log.c.created_at)).where(*spec.where())
    with engine.connect() as connection:
        count, newest = connection.execute(query).one()
    return int(count), newest


def load_window(
    engine: sa.Engine, spec: WindowSpec, schema: list[FeatureSpec], max_rows: int | None = None
) -> LoggedWindow:
    """The window's rows, parsed and typed by the model schema; cached until rows are added.

    Beyond ``max_rows`` rows (default ``SAMPLE_ROWS``), a uniform random sample of about that many is
    read instead (see ``sample_cut``), so a worker's memory and time stay bounded however large the
    window.
    """
    max_rows = SAMPLE_ROWS if max_rows is None else max_rows
    total, newest = window_fingerprint(engine, spec)
    key = (str(engine.url), spec, total, newest, tuple(s.name for s in schema), max_rows)
    found = _memo.get(key)
    if found is not None:
        return found
    with _reading.lock(key):
        found = _memo.get(key)
        if found is not None:
            return found
        window = _read(engine, spec, schema, sample_cut(total, max_rows), total)
        with _lock:
            _memo[key] = window
            while len(_memo) > MEMO_WINDOWS:
                _memo.popitem(last=False)
    return window


class Stripes:
    """A few locks shared by hash: one thread at a time computes a key's value, for bounded memory.

    Callbacks of one page that ask for the same value at once wait for the first and find it cached,
    rather than each reading and parsing the same rows on the same cores. Each user keeps its own
    stripes and never calls out while holding one into code that takes the same set, so no deadlock.
    """

    def __init__(self, count: int = 32) -> None:
        self._locks = [threading.Lock() for _ in range(count)]

    def lock(self, key: Any) -> threading.Lock:
        return self._locks[hash(key) % len(self._locks)]


# A window's first reader holds its stripe (load_window).
_reading = Stripes()


LOG_COLUMNS = ("prediction_id", "created_at", "model_version", "source", "batch_id", "features", "output")


def window_query(spec: WindowSpec, *extra: Any) -> sa.Select:
    """The window's log rows (and ``extra`` columns), oldest first; joins go on the result."""
    table = prediction_log.c
    return (
        sa.select(*(table[name] for name in LOG_COLUMNS), *extra)
        .where(*spec.where())
        .order_by(table.created_at, table.prediction_id)
    )


def sample_cut(total: int, max_rows: int) -> str | None:
    """The bound on an id's first random hex digits that keeps about ``max_rows`` of ``total`` rows.

    Ids end in 80 random bits (``models.prediction_ids``), independent of time, model and inputs, so
    the rows whose digits 13-16 fall below the bound are a uniform sample; the same rows every time,
    so every worker and every repeat view test the same sample. None: read every row.
    """
    if total <= max_rows:
        return None
    share = math.ceil(max_rows / total * SAMPLE_SPACE)
    return f"{min(share, SAMPLE_SPACE - 1):04x}"


def _read(
    engine: sa.Engine, spec: WindowSpec, schema: list[FeatureSpec], cut: str | None, total: int
) -> LoggedWindow:
    query = window_query(spec)
    if cut is not None:
        query = query.where(sa.func.substr(prediction_log.c.prediction_id, 13, 4) < cut)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    meta, features = parse_rows(pd.DataFrame(rows, columns=list(LOG_COLUMNS)), schema)
    return LoggedWindow(spec, meta, features, total)


def iter_windows(
    engine: sa.Engine, spec: WindowSpec, schema: list[FeatureSpec], chunk_rows: int = 20_000
) -> Iterator[LoggedWindow]:
    """The window in parsed chunks of at most ``chunk_rows``, oldest first, read with a streaming cursor.

    Memory stays at one chunk whatever the window holds, for consumers that summarise as they go.
    """
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=chunk_rows).execute(
            window_query(spec)
        )
        for rows in result.partitions():
            meta, features = parse_rows(pd.DataFrame(rows, columns=list(LOG_COLUMNS)), schema)
            yield LoggedWindow(spec, meta, features)


def positive_probability(window: LoggedWindow, positive: Any) -> pd.Series | None:
    """The logged probability of the positive class, when the model is a classifier."""
    column = f"probability:{positive}"
    return window.meta.get(column, None)
