"""Realized performance of a window as mergeable sums, reading only the labelled rows' outputs.

Joined with the latest feedback, only rows that have feedback are read, and of them only the
``output`` column with the outcome and verdict (never the features), streamed in chunks; each
chunk is folded into ``models.realized_sums`` and dropped.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from models.realized_sums import ClassifierCounts, RegressorSums
from models.registry import ModelVersion
from portal.db.prediction_log import prediction_log
from portal.feedback.labelled import latest_feedback
from portal.predlog.estimates import by_day
from portal.predlog.parsing import output_frame
from portal.predlog.windows import WindowSpec


def _outcome(text: Any) -> Any:
    return json.loads(text) if isinstance(text, str) else None


def realized_sums(
    engine: sa.Engine, record: ModelVersion, spec: WindowSpec
) -> dict[dt.date, ClassifierCounts | RegressorSums]:
    """Per UTC day, the window's feedback as sums: verdicts and outcome bins, or errors (regressors)."""
    latest = latest_feedback(record.name)
    query = (
        sa.select(prediction_log.c.created_at, prediction_log.c.output, latest.c.outcome, latest.c.verdict)
        .select_from(prediction_log.join(latest, latest.c.prediction_id == prediction_log.c.prediction_id))
        .where(*spec.where())
    )
    classifier = record.task == "classification"

    def fold(rows: Sequence[sa.Row], codes: np.ndarray, count: int) -> dict[int, Any]:
        outputs = output_frame(pd.Series([row[1] for row in rows]))
        outcomes = [_outcome(row[2]) for row in rows]
        verdicts = np.array([row[3] for row in rows], dtype=object)
        known = np.array([value is not None for value in outcomes], dtype=bool)
        whole = _classifier(record, outputs, outcomes) if classifier else _errors(outputs, outcomes, known)
        result = {}
        for code in range(count):
            mine = codes == code
            if classifier:
                raw, hits = whole
                result[code] = ClassifierCounts.of(
                    int(mine.sum()), verdicts[mine], raw[mine & known], hits[mine & known]
                )
            else:
                error = whole[mine & known]
                error = error[np.isfinite(error)]
                sums = (len(error), float(np.abs(error).sum()), float((error**2).sum()))
                result[code] = RegressorSums(int(mine.sum()), *sums)
        return result

    return by_day(engine, query, fold)


def _classifier(
    record: ModelVersion, outputs: pd.DataFrame, outcomes: list[Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's raw positive-class probability (NaN when not logged) and whether its outcome is positive."""
    positive = record.classes[-1]
    column = f"probability:{positive}"
    raw = (
        pd.to_numeric(outputs[column], errors="coerce").to_numpy(dtype=float)
        if column in outputs
        else np.full(len(outcomes), np.nan)
    )
    hits = np.array([str(value) == str(positive) for value in outcomes], dtype=bool)
    return raw, hits


def _errors(outputs: pd.DataFrame, outcomes: list[Any], known: np.ndarray) -> np.ndarray:
    """Each row's prediction error (NaN without a numeric outcome or prediction)."""
    if "prediction" not in outputs:
        return np.full(len(outcomes), np.nan)
    predicted = pd.to_numeric(outputs["prediction"], errors="coerce").to_numpy(dtype=float)
    actual = pd.to_numeric(
        pd.Series([v if k else None for v, k in zip(outcomes, known, strict=True)]), errors="coerce"
    )
    return predicted - actual.to_numpy(dtype=float)
