"""Give the demo a prediction history: the population's last months, logged as if scored back then.

A fresh install otherwise has an empty prediction log, so the Drift page would have nothing to
compare. The demo's last months carry a deliberate shift, so the history shows stable months first
and drift after. The history is anchored to the install: each snapshot month becomes one of the
30-day spans that end at ``anchor`` (today's UTC midnight by default), so it ends yesterday and
every rolling window has rows. Rows are logged as one batch (``demohistory``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from models.inference import predict_uncached
from models.population import load_population
from models.prediction_ids import new_prediction_id
from models.registry import ModelRegistry
from portal.predlog.recorder import PredictionLog, feature_documents, output_documents

log = logging.getLogger(__name__)
BATCH_ID = "demohistory"
CHUNK_ROWS = 20_000
SPAN_DAYS = 30


def today_midnight() -> dt.datetime:
    """The start of today (UTC): the demo history ends just before it."""
    return dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def backfill(
    registry: ModelRegistry,
    prediction_log: PredictionLog,
    name: str,
    months: int = 6,
    seed: int = 0,
    anchor: dt.datetime | None = None,
    on_logged: Callable[[pd.DataFrame], object] | None = None,
) -> int:
    """Log the last ``months`` snapshot months of ``name``'s population; returns the rows logged.

    ``on_logged`` gets each logged chunk's ``prediction_id``, ``created_at``, ``prediction`` and the
    true ``outcome`` (the population's target), so the demo can give the history its outcomes.
    """
    loaded = registry.load(name)
    record = loaded.version
    time_column = record.metadata.get("time_column")
    frame = load_population(registry, record)
    if not time_column or time_column not in frame.columns or frame.empty:
        log.info("no dated population to backfill for %s", name)
        return 0
    stamps = pd.to_datetime(frame[time_column])
    keep = sorted(stamps.dt.to_period("M").unique())[-months:]
    frame = frame[stamps.dt.to_period("M").isin(keep)].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    end = pd.Timestamp(anchor or today_midnight())
    end = end.tz_convert("UTC") if end.tzinfo else end.tz_localize("UTC")
    position = pd.to_datetime(frame[time_column]).dt.to_period("M").map({m: i for i, m in enumerate(keep)})
    start = end - pd.to_timedelta((len(keep) - position.to_numpy(dtype=np.int64)) * SPAN_DAYS, unit="D")
    # Spread each month's rows over its span, so daily and weekly buckets have data.
    offsets = pd.to_timedelta(rng.uniform(0, SPAN_DAYS * 86400, len(frame)), unit="s")
    created = pd.Series(start + offsets, index=frame.index).clip(upper=end - pd.Timedelta(seconds=1))
    created = created.sort_values()
    frame = frame.loc[created.index].reset_index(drop=True)
    created = created.reset_index(drop=True)
    total = 0
    for begin in range(0, len(frame), CHUNK_ROWS):
        part = frame.iloc[begin : begin + CHUNK_ROWS]
        prediction = predict_uncached(loaded, part)
        times = created.iloc[begin : begin + CHUNK_ROWS]
        entries = [
            {
                "prediction_id": new_prediction_id(int(when.value // 1_000_000)),
                "created_at": when.isoformat(),
                "model_name": record.name,
                "model_version": record.version,
                "source": "batch",
                "batch_id": BATCH_ID,
                "user_name": "demo",
                "features": features,
                "output": output,
            }
            for when, features, output in zip(
                times,
                feature_documents(part[record.feature_names]),
                output_documents(prediction),
                strict=True,
            )
        ]
        prediction_log.write(entries)
        total += len(entries)
        if on_logged is not None and record.target in part.columns:
            on_logged(
                pd.DataFrame(
                    {
                        "prediction_id": [entry["prediction_id"] for entry in entries],
                        "created_at": times.to_numpy(),
                        "prediction": np.asarray(prediction.predictions),
                        "outcome": part[record.target].to_numpy(),
                    }
                )
            )
    log.info("logged %d demo predictions of %s over %d months", total, name, len(keep))
    return total
