"""Rows for the Feedback page's grid: logged predictions with their latest feedback, newest first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from models import grid_query
from models.registry import ModelVersion
from portal.feedback.labelled import labelled_window
from portal.feedback.store import FeedbackStore


def feedback_frame(store: FeedbackStore, record: ModelVersion) -> pd.DataFrame:
    """One row per logged prediction of the model: time, id, version, source, prediction and feedback."""
    rows = labelled_window(store.engine, store, record)
    meta = rows.meta
    latest = store.latest(record.name).set_index("prediction_id")
    frame = pd.DataFrame(
        {
            "created_at": meta["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            "prediction_id": meta["prediction_id"],
            "model_version": meta["model_version"],
            "source": meta["source"],
            "prediction": meta["prediction"].map(_text),
            "verdict": meta["verdict"].map(_text),
            "outcome": meta["outcome"].map(_text),
            "feedback_user": latest["user_name"].reindex(meta["prediction_id"]).map(_text).to_numpy(),
        }
    )
    return frame


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value)


def page(
    frame: pd.DataFrame,
    filter_model: Mapping[str, Any] | None,
    sort_model: Sequence[Mapping[str, Any]] | None,
    start: int,
    end: int,
    max_rows: int = 1000,
) -> dict[str, Any]:
    """An ag-grid getRowsResponse over the frame; newest first unless the grid sorts otherwise."""
    positions = grid_query.select(
        frame, filter_model, sort_model or [{"colId": "created_at", "sort": "desc"}]
    )
    return grid_query.page_of(frame, positions, start, end, max_rows)
