"""A prediction log of any size, bulk-inserted (not through the API), for the scale benchmark.

Rows are the demo population's churn rows scored once by the active model and repeated with fresh
ids and times spread evenly over the last ``days`` days, so every window has data and drift.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from models.inference import predict_uncached
from models.population import load_population
from models.registry import ModelRegistry
from portal.db.engine import create_engine
from portal.predlog.day_counts import rebuild
from portal.predlog.documents import column_documents, output_documents

log = logging.getLogger(__name__)
SCORED_ROWS = 50_000
CHUNK = 50_000
COLUMNS = (
    "prediction_id, created_at, model_name, model_version, source, batch_id, user_name, features, output"
)


def fill_log(data_dir: Path, rows: int, model: str = "churn", days: int = 90, seed: int = 7) -> int:
    """Append ``rows`` synthetic predictions of ``model`` to the data dir's SQLite log; returns rows."""
    registry = ModelRegistry(data_dir / "models")
    loaded = registry.load(model)
    record = loaded.version
    population = load_population(registry, record)[record.feature_names]
    sample = population.sample(min(SCORED_ROWS, len(population)), random_state=seed).reset_index(drop=True)
    features = column_documents(sample)
    outputs = output_documents(predict_uncached(loaded, sample))
    rng = np.random.default_rng(seed)
    end = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start_ms = int((end - dt.timedelta(days=days)).timestamp() * 1000)
    span_ms = days * 86_400_000
    engine = create_engine(f"sqlite:///{data_dir / 'portal.db'}")
    sql = f"INSERT INTO prediction_log ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    written = 0
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA synchronous=OFF")
        for begin in range(0, rows, CHUNK):
            size = min(CHUNK, rows - begin)
            stamps = np.sort(start_ms + (rng.random(size) * span_ms).astype(np.int64))
            picks = rng.integers(0, len(sample), size)
            batch = [
                (
                    f"{int(stamp):012x}{os.urandom(10).hex()}",
                    dt.datetime.fromtimestamp(stamp / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
                    record.name,
                    record.version,
                    "api",
                    None,
                    "bench",
                    features[pick],
                    outputs[pick],
                )
                for stamp, pick in zip(stamps.tolist(), picks.tolist(), strict=True)
            ]
            connection.exec_driver_sql(sql, batch)
            connection.commit()
            written += size
    rebuild(engine)  # the rows went around the recorder, so count their days now
    with engine.connect() as connection:
        connection.execute(sa.text("ANALYZE"))
    engine.dispose()
    log.info("filled the prediction log with %d synthetic rows", written)
    return written
