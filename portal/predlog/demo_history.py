"""Give the demo a prediction history: the population's last months, logged as if scored back then.

A fresh install otherwise has an empty prediction log, so the Drift page would have nothing to
compare. The demo's last months carry a deliberate shift, so the history shows stable months first
and drift after. Rows are logged as one batch (``demo-history``) with their snapshot dates as times.
"""

from __future__ import annotations

import logging

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


def backfill(
    registry: ModelRegistry, prediction_log: PredictionLog, name: str, months: int = 6, seed: int = 0
) -> int:
    """Log the last ``months`` snapshot months of ``name``'s population; returns the rows logged."""
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
    start = pd.to_datetime(frame[time_column]).dt.tz_localize("UTC")
    # Spread each month's rows over its days, so daily and weekly buckets have data.
    offsets = pd.to_timedelta(rng.uniform(0, 27 * 86400, len(frame)), unit="s")
    created = (start + offsets).sort_values()
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
    log.info("logged %d demo predictions of %s over %d months", total, name, len(keep))
    return total
