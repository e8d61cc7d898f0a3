"""Live performance: what the served predictions scored against analysts' feedback, over time.

Inputs are the logged rows of a model (``meta`` with prediction, probabilities, outcome and
verdict, and ``features``); nothing is re-scored, so the metrics describe what was actually served.
Accuracy counts every verdict (a multi-class "incorrect" has no label but still counts); the
label-based metrics use the rows whose true outcome is known.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from models.evaluation import Scored
from models.registry import ModelVersion
from models.training import regression_metrics

LIVE = "live"
PERIODS = {"day": "D", "week": "W-MON"}


def _probability(meta: pd.DataFrame, label: Any) -> np.ndarray | None:
    column = f"probability:{label}"
    return meta[column].to_numpy(dtype=float) if column in meta else None


def classification_live_metrics(meta: pd.DataFrame, classes: list[Any]) -> dict[str, float]:
    """Accuracy from verdicts; ROC AUC, average precision and Brier score for binary outcomes."""
    verdicts = meta["verdict"].dropna()
    result: dict[str, float] = {}
    if len(verdicts):
        result["accuracy"] = float(np.mean(verdicts.to_numpy() == "correct"))
    labelled = meta[meta["outcome"].notna()]
    if len(classes) == 2 and len(labelled):
        positive = _probability(labelled, classes[1])
        y_bin = np.array([str(v) == str(classes[1]) for v in labelled["outcome"]], dtype=int)
        if positive is not None:
            if 0 < y_bin.sum() < len(y_bin):
                result["roc_auc"] = float(skm.roc_auc_score(y_bin, positive))
                result["average_precision"] = float(skm.average_precision_score(y_bin, positive))
            result["brier"] = float(np.mean((positive - y_bin) ** 2))
        predicted = np.array([str(v) == str(classes[1]) for v in labelled["prediction"]], dtype=int)
        result["f1"] = float(skm.f1_score(y_bin, predicted, zero_division=0))
        if predicted.any():
            result["precision"] = float(skm.precision_score(y_bin, predicted, zero_division=0))
        if y_bin.any():
            result["recall"] = float(skm.recall_score(y_bin, predicted, zero_division=0))
    return result


def live_metrics(meta: pd.DataFrame, record: ModelVersion) -> dict[str, float]:
    """The task's metrics over the rows with feedback."""
    if record.task == "classification":
        return classification_live_metrics(meta, record.classes)
    labelled = meta[meta["outcome"].notna()]
    if not len(labelled):
        return {}
    return regression_metrics(
        labelled["outcome"].to_numpy(dtype=float), labelled["prediction"].to_numpy(dtype=float)
    )


def metrics_over_time(
    labelled: pd.DataFrame,
    logged_per_day: pd.Series,
    record: ModelVersion,
    period: str = "day",
    share: float = 1.0,
) -> pd.DataFrame:
    """Per day or week: logged predictions, those with feedback, coverage, and the task's metrics.

    ``labelled`` holds the rows with feedback; ``logged_per_day`` counts every logged row per UTC day
    (index: midnight), so the log itself never has to be loaded to know how much of it is labelled.
    When ``labelled`` is a uniform sample holding ``share`` of the labelled rows, the counts with
    feedback are scaled back up; the metrics are the sample's.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    if not len(logged_per_day):
        return pd.DataFrame(columns=["period", "logged", "with_feedback", "coverage"])
    days = pd.DatetimeIndex(logged_per_day.index)
    logged = logged_per_day.groupby(days.to_period(PERIODS[period]).start_time).sum()
    stamps = pd.to_datetime(labelled["created_at"], utc=True).dt.tz_localize(None)
    buckets = stamps.dt.to_period(PERIODS[period]).dt.start_time.to_numpy()
    has_feedback = (labelled["verdict"].notna() | labelled["outcome"].notna()).to_numpy()
    groups = dict(tuple(labelled[has_feedback].groupby(buckets[has_feedback], sort=True)))
    rows = []
    for start, count in logged.items():
        group = groups.get(start, labelled.iloc[:0])
        row: dict[str, Any] = {
            "period": pd.Timestamp(start),
            "logged": int(count),
            "with_feedback": round(len(group) / share),
            "coverage": min(len(group) / share / int(count), 1.0),
        }
        row.update(live_metrics(group, record) if len(group) else {})
        rows.append(row)
    return pd.DataFrame(rows)


def live_scored(meta: pd.DataFrame, features: pd.DataFrame, record: ModelVersion) -> Scored:
    """A Scored over the rows whose true outcome is known, so the page's usual charts apply."""
    mask = meta["outcome"].notna().to_numpy()
    labelled = meta[mask]
    segments = {
        spec.name: features.loc[mask, spec.name]
        .astype(object)
        .where(features.loc[mask, spec.name].notna(), "(missing)")
        .to_numpy()
        for spec in record.schema
        if spec.kind == "categorical" and spec.categories is not None
    }
    metrics = live_metrics(meta[meta["verdict"].notna() | meta["outcome"].notna()], record)
    if record.task == "classification":
        classes = record.classes
        positive = classes[-1] if classes else None
        score = _probability(labelled, positive)
        actual = np.array([_as_class(v, classes) for v in labelled["outcome"]], dtype=object)
        predicted = np.array([_as_class(v, classes) for v in labelled["prediction"]], dtype=object)
        return Scored(
            record.name,
            record.version,
            record.task,
            LIVE,
            actual,
            predicted,
            score if score is not None else np.zeros(len(labelled)),
            positive,
            segments,
            metrics,
            tuple(pd.unique(actual)),
        )
    return Scored(
        record.name,
        record.version,
        record.task,
        LIVE,
        labelled["outcome"].to_numpy(dtype=float),
        labelled["prediction"].to_numpy(dtype=float),
        None,
        None,
        segments,
        metrics,
    )


def _as_class(value: Any, classes: list[Any]) -> Any:
    for label in classes:
        if str(label) == str(value):
            return label
    return value
