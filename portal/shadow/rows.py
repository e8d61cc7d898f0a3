"""Shadow rows: a live answer and the shadow version's answer for the same input, side by side."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from models.inference import Prediction


def scores(prediction: Prediction) -> list[float | None]:
    """One number per row to difference: P(positive class), the top probability, or the value."""
    if prediction.probabilities is None:
        return [None if value is None else float(value) for value in prediction.predictions]
    if len(prediction.classes) == 2:
        return [float(row[1]) for row in prediction.probabilities]
    return [float(max(row)) for row in prediction.probabilities]


def shadow_rows(
    live: Prediction, shadow: Prediction, prediction_ids: Sequence[str], at: dt.datetime
) -> list[dict[str, Any]]:
    """Rows for ``shadow_predictions``, one per live prediction id, in the live order."""
    live_scores, shadow_scores = scores(live), scores(shadow)
    documents = shadow.records()
    rows = []
    for index, prediction_id in enumerate(prediction_ids):
        live_value, shadow_value = live.predictions[index], shadow.predictions[index]
        if live.task == "classification":
            changed = live_value != shadow_value
        else:
            changed = live_scores[index] != shadow_scores[index]
        rows.append(
            {
                "prediction_id": prediction_id,
                "created_at": at,
                "model_name": live.model,
                "live_version": live.version,
                "shadow_version": shadow.version,
                "live_prediction": json.dumps(live_value),
                "shadow_prediction": json.dumps(shadow_value),
                "live_score": live_scores[index],
                "shadow_score": shadow_scores[index],
                "changed": bool(changed),
                "output": json.dumps(documents[index], separators=(",", ":")),
            }
        )
    return rows
