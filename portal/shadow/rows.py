"""Shadow rows: a live answer and the shadow version's answer for the same input, side by side.

Rows are built as driver tuples with orjson: the shadow thread shares its worker's GIL with live
requests, so each row it stores must cost microseconds, not a dict and two ``json.dumps``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson

from models.inference import Prediction
from portal.predlog.recorder import driver_stamp

NUMPY = orjson.OPT_SERIALIZE_NUMPY
COLUMNS = (
    "prediction_id",
    "created_at",
    "model_name",
    "live_version",
    "shadow_version",
    "live_prediction",
    "shadow_prediction",
    "live_score",
    "shadow_score",
    "changed",
    "output",
)


def scores(prediction: Prediction) -> list[float | None]:
    """One number per row to difference: P(positive class), the top probability, or the value."""
    if prediction.probabilities is None:
        return [None if value is None else float(value) for value in prediction.predictions]
    if len(prediction.classes) == 2:
        return [float(row[1]) for row in prediction.probabilities]
    return [float(max(row)) for row in prediction.probabilities]


def _texts(values: Sequence[Any]) -> list[str]:
    """JSON text of each value, as feedback stores outcomes; labels repeat, so each is encoded once."""
    known: dict[Any, str] = {}
    out = []
    for value in values:
        key = (type(value), value)
        text = known.get(key)
        if text is None:
            text = known[key] = orjson.dumps(value, option=NUMPY).decode()
        out.append(text)
    return out


def shadow_rows(
    live: Prediction, shadow: Prediction, prediction_ids: Sequence[str], at: dt.datetime, sqlite: bool
) -> list[tuple[Any, ...]]:
    """Driver rows for ``shadow_predictions`` in COLUMNS order, one per live prediction id."""
    live_scores, shadow_scores = scores(live), scores(shadow)
    live_texts, shadow_texts = _texts(live.predictions), _texts(shadow.predictions)
    if live.task == "classification":
        changed = [a != b for a, b in zip(live.predictions, shadow.predictions, strict=True)]
    else:
        changed = [a != b for a, b in zip(live_scores, shadow_scores, strict=True)]
    documents = [orjson.dumps(document, option=NUMPY).decode() for document in shadow.records()]
    stamp = driver_stamp(at, sqlite)
    return [
        (
            prediction_id,
            stamp,
            live.model,
            live.version,
            shadow.version,
            live_texts[index],
            shadow_texts[index],
            live_scores[index],
            shadow_scores[index],
            changed[index],
            documents[index],
        )
        for index, prediction_id in enumerate(prediction_ids)
    ]
