"""Realized performance of a window as mergeable sums, reading only the labelled rows' outputs.

Joined with the latest feedback, only rows that have feedback are read, and of them only the
``output`` column with the outcome and verdict (never the features), streamed in chunks; each
chunk is folded into ``models.realized_sums`` and dropped.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from models.realized_sums import ClassifierCounts, RegressorSums
from models.registry import ModelVersion
from portal.db.prediction_log import prediction_log
from portal.feedback.labelled import latest_feedback
from portal.predlog.parsing import output_frame
from portal.predlog.windows import WindowSpec

CHUNK_ROWS = 50_000


def _outcome(text: Any) -> Any:
    return json.loads(text) if isinstance(text, str) else None


def realized_sums(
    engine: sa.Engine, record: ModelVersion, spec: WindowSpec
) -> ClassifierCounts | RegressorSums:
    """The window's feedback as sums: verdicts and outcome bins (classifiers) or errors (regressors)."""
    latest = latest_feedback(record.name)
    query = (
        sa.select(prediction_log.c.output, latest.c.outcome, latest.c.verdict)
        .select_from(prediction_log.join(latest, latest.c.prediction_id == prediction_log.c.prediction_id))
        .where(*spec.where())
    )
    classifier = record.task == "classification"
    total: Any = ClassifierCounts.empty() if classifier else RegressorSums()
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(query)
        for rows in result.partitions():
            outputs = output_frame(pd.Series([row[0] for row in rows]))
            outcomes = [_outcome(row[1]) for row in rows]
            known = np.array([value is not None for value in outcomes], dtype=bool)
            total = total + (
                _classifier(record, rows, outputs, outcomes, known)
                if classifier
                else _regressor(rows, outputs, outcomes, known)
            )
    return total


def _classifier(
    record: ModelVersion, rows: Any, outputs: pd.DataFrame, outcomes: list[Any], known: np.ndarray
) -> ClassifierCounts:
    positive = record.classes[-1]
    column = f"probability:{positive}"
    raw = pd.to_numeric(outputs[column], errors="coerce").to_numpy(dtype=float) if column in outputs else None
    verdicts = np.array([row[2] for row in rows], dtype=object)
    if raw is None:
        return ClassifierCounts.of(len(rows), verdicts, np.array([]), np.zeros(0, dtype=bool))
    hits = np.array([str(value) == str(positive) for value in outcomes], dtype=bool)
    return ClassifierCounts.of(len(rows), verdicts, raw[known], hits[known])


def _regressor(rows: Any, outputs: pd.DataFrame, outcomes: list[Any], known: np.ndarray) -> RegressorSums:
    if "prediction" not in outputs or not known.any():
        return RegressorSums(len(rows))
    predicted = pd.to_numeric(outputs["prediction"], errors="coerce").to_numpy(dtype=float)[known]
    actual = pd.to_numeric(pd.Series([v for v, k in zip(outcomes, known, strict=True) if k]), errors="coerce")
    error = predicted - actual.to_numpy(dtype=float)
    error = error[np.isfinite(error)]
    return RegressorSums(len(rows), len(error), float(np.abs(error).sum()), float((error**2).sum()))
