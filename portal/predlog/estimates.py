"""The log read for performance estimates: one UTC day of one model version, a column at a time.

A classifier's estimate needs only the logged positive-class probability, so only the ``output``
column is read, streamed in chunks of ``CHUNK_ROWS`` and folded into probability bins as it
arrives; a regressor's loss models also need the inputs, so ``features`` is read beside it. Memory
stays at one chunk however many rows the day holds, and the result is a few kilobytes of sums.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa

from models.estimation import CBPE, ProbabilityBins
from models.estimation_dle import DLE, LossSums
from models.registry import ModelVersion
from portal.db.prediction_log import prediction_log
from portal.predlog.parsing import feature_frame, output_frame
from portal.predlog.windows import WindowSpec

CHUNK_ROWS = 50_000


def day_spec(record: ModelVersion, day: dt.date) -> WindowSpec:
    """The rows one model version logged on one UTC day."""
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return WindowSpec(record.name, record.version, since=start, until=start + dt.timedelta(days=1))


def _chunks(engine: sa.Engine, spec: WindowSpec, *columns: str) -> Iterator[Sequence[sa.Row]]:
    table = prediction_log.c
    query = sa.select(*(table[name] for name in columns)).where(*spec.where())
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(query)
        yield from result.partitions()


def probability_bins(engine: sa.Engine, spec: WindowSpec, positive: object, cbpe: CBPE) -> ProbabilityBins:
    """The window's logged positive-class probabilities as CBPE bins, reading only the output column."""
    total = ProbabilityBins.empty()
    column = f"probability:{positive}"
    for rows in _chunks(engine, spec, "output"):
        outputs = output_frame(pd.Series([row[0] for row in rows]))
        if column in outputs:
            total = total + cbpe.bins(pd.to_numeric(outputs[column], errors="coerce").to_numpy(dtype=float))
    return total


def loss_sums(engine: sa.Engine, spec: WindowSpec, record: ModelVersion, dle: DLE) -> LossSums:
    """The window's estimated-loss sums, reading the features and output columns in chunks."""
    total = LossSums()
    for rows in _chunks(engine, spec, "features", "output"):
        features = feature_frame(pd.Series([row[0] for row in rows]), record.schema)
        outputs = output_frame(pd.Series([row[1] for row in rows]))
        if "prediction" not in outputs:
            continue
        predicted = pd.to_numeric(outputs["prediction"], errors="coerce").to_numpy(dtype=float)
        total = total + dle.sums(features, np.asarray(predicted))
    return total
