"""True outcomes for the demo's logged history, arriving with a lag as they would in production.

A churn label is known only weeks after the prediction: each logged prediction gets its outcome
with probability ``EVENTUAL_SHARE``, after ``MIN_LAG_DAYS`` plus an exponential wait (mean
``MEAN_EXTRA_DAYS``), and only if that moment has passed at the anchor. So about 70% of predictions
older than 30 days have an outcome, few of the last week's do. Rows are stored with source
``demo``, in bulk, with the verdict the outcome implies, as the feedback store would derive it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from models.registry import ModelVersion
from portal.db.feedback import feedback

log = logging.getLogger(__name__)
EVENTUAL_SHARE = 0.72
MIN_LAG_DAYS = 5.0
MEAN_EXTRA_DAYS = 10.0
SOURCE = "demo"
USER = "demo"


def outcome_lags(count: int, rng: np.random.Generator) -> np.ndarray:
    """Days until each outcome is known; infinite for predictions that never get one."""
    lags = MIN_LAG_DAYS + rng.exponential(MEAN_EXTRA_DAYS, count)
    return np.where(rng.random(count) < EVENTUAL_SHARE, lags, np.inf)


@dataclasses.dataclass
class DemoOutcomes:
    """Called with each logged chunk of the demo history; stores the outcomes known by ``anchor``."""

    engine: sa.Engine
    record: ModelVersion
    anchor: dt.datetime
    seed: int = 0
    stored: int = 0

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng([self.seed, 0xFEED])

    def __call__(self, chunk: pd.DataFrame) -> int:
        rows = self.rows(chunk)
        if rows:
            sqlite = self.engine.dialect.name == "sqlite"
            marks = ", ".join(["?" if sqlite else "%s"] * len(COLUMNS))
            sql = f"INSERT INTO {feedback.name} ({', '.join(COLUMNS)}) VALUES ({marks})"
            with self.engine.begin() as connection:
                # Driver-level executemany: the demo stores tens of thousands of rows per model.
                connection.exec_driver_sql(sql, [_driver_row(row, sqlite) for row in rows])
        self.stored += len(rows)
        return len(rows)

    def rows(self, chunk: pd.DataFrame) -> list[dict[str, Any]]:
        """Feedback rows for the chunk's predictions whose outcome is known at the anchor."""
        created = pd.to_datetime(pd.Series(chunk["created_at"].to_numpy()), utc=True)
        anchor = pd.Timestamp(self.anchor)
        anchor = anchor.tz_convert("UTC") if anchor.tzinfo else anchor.tz_localize("UTC")
        age_days = ((anchor - created).dt.total_seconds() / 86400.0).to_numpy()
        lags = outcome_lags(len(chunk), self._rng)
        arrived = lags <= age_days
        known_at = (created[arrived] + pd.to_timedelta(lags[arrived], unit="D")).dt.floor("us")
        classifier = self.record.task == "classification"
        rows = []
        for pid, when, predicted, outcome in zip(
            chunk["prediction_id"].to_numpy()[arrived],
            known_at.dt.to_pydatetime(),
            chunk["prediction"].to_numpy()[arrived],
            chunk["outcome"].to_numpy()[arrived],
            strict=True,
        ):
            value = _plain(outcome)
            if value is None:
                continue
            verdict = None
            if classifier:
                verdict = "correct" if str(value) == str(_plain(predicted)) else "incorrect"
            rows.append(
                {
                    "prediction_id": pid,
                    "model_name": self.record.name,
                    "outcome": json.dumps(value),
                    "verdict": verdict,
                    "user_name": USER,
                    "created_at": when,
                    "source": SOURCE,
                }
            )
        return rows


COLUMNS = ("prediction_id", "model_name", "outcome", "verdict", "user_name", "created_at", "source")


def _driver_row(row: dict[str, Any], sqlite: bool) -> tuple[Any, ...]:
    """A row as the driver takes it; SQLite keeps times as SQLAlchemy's UTC text."""
    when = row["created_at"].astimezone(dt.UTC)
    stamp = when.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else when
    return tuple(stamp if name == "created_at" else row[name] for name in COLUMNS)


def _plain(value: Any) -> Any:
    """A numpy scalar as the JSON value the feedback store keeps; None when missing."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value
