"""Logged predictions joined with their latest feedback: the labelled rows for live metrics and retraining."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import sqlalchemy as sa

from models.registry import ModelVersion
from portal.feedback.store import FeedbackStore
from portal.predlog.windows import WindowSpec, load_window


@dataclasses.dataclass(frozen=True)
class Labelled:
    """Every logged row of a window (``meta`` with outcome and verdict columns) and its features."""

    meta: pd.DataFrame
    features: pd.DataFrame

    @property
    def logged(self) -> int:
        return len(self.meta)

    @property
    def with_feedback(self) -> pd.Series:
        return self.meta["verdict"].notna() | self.meta["outcome"].notna()

    @property
    def coverage(self) -> float:
        """Share of logged predictions with feedback."""
        return float(self.with_feedback.mean()) if self.logged else 0.0


def labelled_window(
    engine: sa.Engine, store: FeedbackStore, record: ModelVersion, spec: WindowSpec | None = None
) -> Labelled:
    """The window's logged rows (all versions of the model by default) with their latest feedback."""
    spec = spec or WindowSpec(record.name)
    window = load_window(engine, spec, record.schema)
    latest = store.latest(record.name).set_index("prediction_id")
    meta = window.meta.copy()
    joined = latest.reindex(meta["prediction_id"].to_numpy())
    meta["outcome"] = joined["outcome"].to_numpy() if len(meta) else np.array([], dtype=object)
    meta["verdict"] = joined["verdict"].to_numpy() if len(meta) else np.array([], dtype=object)
    return Labelled(meta.reset_index(drop=True), window.features.reset_index(drop=True))


def training_rows(labelled: Labelled, record: ModelVersion) -> pd.DataFrame:
    """Features plus the target column, for logged rows whose feedback gives the true outcome."""
    has_outcome = labelled.meta["outcome"].notna().to_numpy()
    frame = labelled.features[has_outcome].copy()
    outcome = labelled.meta.loc[has_outcome, "outcome"]
    frame[record.target] = (
        outcome.astype(float).to_numpy() if record.task != "classification" else outcome.to_numpy()
    )
    return frame.reset_index(drop=True)
