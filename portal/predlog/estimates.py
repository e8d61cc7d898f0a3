"""The log read for performance estimates: one model version's days, a column at a time.

A classifier's estimate needs only the logged positive-class probability, so only ``created_at``
and ``output`` are read, streamed in chunks of ``CHUNK_ROWS`` and folded into one day's probability
bins as they arrive; a regressor's loss models also need the inputs, so ``features`` is read beside
them. Memory stays at one chunk however many rows the days hold, and the result is a few kilobytes
of sums per day. A day of more than ``DAY_SAMPLE_ROWS`` rows is read as a uniform sample of about
that many (``windows.sample_cut``, the id-bit sample the Drift page tests), so estimating a day
costs the same on a log of millions as on a small one; the estimate is unbiased, and its standard
error, computed from the rows read, widens to match.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from models.estimation import BINS, CBPE, ProbabilityBins, bin_index
from models.estimation_dle import DLE, LossSums
from models.registry import ModelVersion
from portal.db.prediction_log import prediction_log
from portal.predlog.parsing import feature_frame, output_frame
from portal.predlog.windows import WindowSpec, sample_cut

CHUNK_ROWS = 50_000
# About 5,000 rows put a day's estimated accuracy within about ±0.02 (3 standard errors).
DAY_SAMPLE_ROWS = 5_000


def day_spec(record: ModelVersion, day: dt.date) -> WindowSpec:
    """The rows one model version logged on one UTC day."""
    return span_spec(record, [day])


def span_spec(record: ModelVersion, days: Iterable[dt.date]) -> WindowSpec:
    """The rows one model version logged from the first to the last of ``days`` (UTC, inclusive)."""
    chosen = sorted(days)
    start = dt.datetime(chosen[0].year, chosen[0].month, chosen[0].day, tzinfo=dt.UTC)
    last = dt.datetime(chosen[-1].year, chosen[-1].month, chosen[-1].day, tzinfo=dt.UTC)
    return WindowSpec(record.name, record.version, since=start, until=last + dt.timedelta(days=1))


def utc_days(created: Sequence[Any]) -> np.ndarray:
    """Each log time's UTC day (naive times, as SQLite returns them, are UTC already)."""
    stamps = pd.to_datetime(pd.Series(list(created)), utc=True, format="mixed")
    return stamps.dt.date.to_numpy()


def chunks(engine: sa.Engine, query: sa.Select) -> Iterator[Sequence[sa.Row]]:
    """The query's rows in chunks of ``CHUNK_ROWS``, read with a streaming cursor."""
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(query)
        yield from result.partitions()


def by_day(
    engine: sa.Engine,
    query: sa.Select,
    fold: Callable[[Sequence[sa.Row], np.ndarray, int], dict[int, Any]],
) -> dict[dt.date, Any]:
    """Per UTC day, the sum of ``fold`` over the chunks (the query's first column is ``created_at``).

    ``fold`` gets a chunk, each row's day code and the number of codes, and returns sums by code.
    """
    totals: dict[dt.date, Any] = {}
    for rows in chunks(engine, query):
        codes, days = pd.factorize(utc_days([row[0] for row in rows]))
        for code, value in fold(rows, codes, len(days)).items():
            day = days[code]
            totals[day] = totals[day] + value if day in totals else value
    return totals


def day_cut(rows: int) -> str | None:
    """The id-bit bound that samples a day of ``rows`` logged rows, or None to read them all."""
    return sample_cut(rows, DAY_SAMPLE_ROWS)


def _select(spec: WindowSpec, *columns: str, cut: str | None = None) -> sa.Select:
    table = prediction_log.c
    query = sa.select(table.created_at, *(table[name] for name in columns)).where(*spec.where())
    if cut is not None:
        query = query.where(sa.func.substr(table.prediction_id, 13, 4) < cut)
    return query


def probability_bins(
    engine: sa.Engine, spec: WindowSpec, positive: object, cbpe: CBPE, cut: str | None = None
) -> dict[dt.date, ProbabilityBins]:
    """Per UTC day, the logged positive-class probabilities as CBPE bins; only the output column is parsed.

    ``cut``: read only the uniform sample of rows below this id-bit bound (``day_cut``).
    """
    column = f"probability:{positive}"

    def fold(rows: Sequence[sa.Row], codes: np.ndarray, count: int) -> dict[int, ProbabilityBins]:
        outputs = output_frame(pd.Series([row[1] for row in rows]))
        if column not in outputs:
            return {}
        raw = pd.to_numeric(outputs[column], errors="coerce").to_numpy(dtype=float)
        keep = np.isfinite(raw)
        slots = codes[keep] * BINS + bin_index(raw[keep])
        counts = np.bincount(slots, minlength=count * BINS).reshape(count, BINS).astype(np.int64)
        sums = np.bincount(slots, weights=cbpe.calibrate(raw[keep]), minlength=count * BINS).reshape(
            count, BINS
        )
        return {code: ProbabilityBins(counts[code], sums[code]) for code in range(count)}

    return by_day(engine, _select(spec, "output", cut=cut), fold)


def loss_sums(
    engine: sa.Engine, spec: WindowSpec, record: ModelVersion, dle: DLE, cut: str | None = None
) -> dict[dt.date, LossSums]:
    """Per UTC day, the estimated-loss sums, reading the features and output columns in chunks."""

    def fold(rows: Sequence[sa.Row], codes: np.ndarray, count: int) -> dict[int, LossSums]:
        features = feature_frame(pd.Series([row[1] for row in rows]), record.schema)
        outputs = output_frame(pd.Series([row[2] for row in rows]))
        if "prediction" not in outputs:
            return {}
        predicted = pd.to_numeric(outputs["prediction"], errors="coerce").to_numpy(dtype=float)
        absolute, squared = dle.row_losses(features.reset_index(drop=True), predicted)
        keep = np.isfinite(absolute)
        rows_per = np.bincount(codes[keep], minlength=count)
        abs_per = np.bincount(codes[keep], weights=absolute[keep], minlength=count)
        sq_per = np.bincount(codes[keep], weights=squared[keep], minlength=count)
        return {c: LossSums(int(rows_per[c]), float(abs_per[c]), float(sq_per[c])) for c in range(count)}

    return by_day(engine, _select(spec, "features", "output", cut=cut), fold)
