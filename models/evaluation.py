"""Model performance on labelled data: scores per data source, threshold metrics, curves.

Scores for a (model, version, source) are computed once and cached; moving a threshold or a cost
then only re-counts a confusion matrix over the cached arrays.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from models.caching import cached_call
from models.inference import prediction_key
from models.registry import LoadedModel, ModelRegistry, ModelVersion
from models.training import classification_metrics, regression_metrics

T = TypeVar("T")
REFERENCE = "reference"
CURVE_POINTS = 400


@dataclasses.dataclass(frozen=True)
class Scored:
    """Labels and model outputs for one data source: positive-class scores or regression values."""

    model: str
    version: int
    task: str
    source: str
    actual: np.ndarray
    predicted: np.ndarray
    score: np.ndarray | None
    positive: Any
    segments: dict[str, np.ndarray]
    metrics: dict[str, float]
    labels: tuple[Any, ...] = ()
    key: str = ""

    @property
    def rows(self) -> int:
        return len(self.actual)

    @property
    def has_both_classes(self) -> bool:
        return len(self.labels) >= 2

    @property
    def negative_label(self) -> str:
        return next((str(label) for label in self.labels if label != self.positive), "other")


def population_path(record: ModelVersion) -> Path | None:
    """The labelled population registered with the version, if any (the demo has one)."""
    path = record.metadata.get("population")
    return Path(path) if path and Path(path).is_file() else None


def available_months(registry: ModelRegistry, record: ModelVersion) -> list[str]:
    """Months (YYYY-MM) with data, from the population or the reference data's time column."""
    time_column = record.metadata.get("time_column")
    if not time_column:
        return []
    path = population_path(record)
    if path is not None:
        stamps = pd.read_parquet(path, columns=[time_column])[time_column]
    else:
        reference = registry.reference(record.name, record.version)
        if time_column not in reference.columns:
            return []
        stamps = reference[time_column]
    return sorted(pd.to_datetime(stamps).dt.strftime("%Y-%m").dropna().unique().tolist())


def source_frame(registry: ModelRegistry, record: ModelVersion, source: str) -> pd.DataFrame:
    """The labelled rows of a source: the reference data, or one month of the population."""
    if source == REFERENCE:
        frame = registry.reference(record.name, record.version)
    else:
        time_column = record.metadata.get("time_column")
        path = population_path(record)
        frame = pd.read_parquet(path) if path is not None else registry.reference(record.name, record.version)
        if not time_column or time_column not in frame.columns:
            return frame.iloc[0:0]
        frame = frame[pd.to_datetime(frame[time_column]).dt.strftime("%Y-%m") == source]
    return frame[frame[record.target].notna()]


def _segment_columns(record: ModelVersion, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {
        spec.name: frame[spec.name].astype(object).where(frame[spec.name].notna(), "(missing)").to_numpy()
        for spec in record.schema
        if spec.kind == "categorical" and spec.categories is not None
    }


def score_uncached(registry: ModelRegistry, loaded: LoadedModel, source: str, key: str = "") -> Scored:
    """Run the model over a source once; everything on the page is derived from this."""
    record = loaded.version
    frame = source_frame(registry, record, source)
    x = frame[record.feature_names]
    actual = frame[record.target].to_numpy()
    segments = _segment_columns(record, frame)
    if record.task == "classification":
        classes = list(loaded.estimator.classes_)
        if len(frame):
            proba = loaded.estimator.predict_proba(x)
            predicted = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
            score = proba[:, -1]
            metrics = classification_metrics(loaded.estimator, x, frame[record.target], proba)
        else:
            predicted, score, metrics = np.array([]), np.array([]), {}
        return Scored(
            loaded.name,
            loaded.number,
            record.task,
            source,
            actual,
            predicted,
            score,
            classes[-1],
            segments,
            metrics,
            tuple(pd.unique(actual)),
            key,
        )
    predicted = np.asarray(loaded.estimator.predict(x), dtype=float) if len(frame) else np.array([])
    metrics = regression_metrics(actual.astype(float), predicted) if len(frame) else {}
    return Scored(
        loaded.name,
        loaded.number,
        record.task,
        source,
        actual.astype(float),
        predicted,
        None,
        None,
        segments,
        metrics,
        (),
        key,
    )


def score(registry: ModelRegistry, cache: Any, name: str, source: str, version: int | None = None) -> Scored:
    """Scores for a source, cached per model version and source in the figures cache."""
    loaded = registry.load(name, version)
    key = prediction_key(loaded, "scored", source)
    return cached_call(
        cache, "figures", key, lambda: score_uncached(registry, loaded, source, key), large=True
    )


def derived(cache: Any, scored: Scored, kind: str, compute: Callable[[Scored], T]) -> T:
    """Something computed from a scored source (curves, tables), cached with it per version and source."""
    if not scored.key:
        return compute(scored)
    return cached_call(cache, "figures", f"{scored.key}:{kind}", lambda: compute(scored), local=True)


@dataclasses.dataclass(frozen=True)
class ThresholdResult:
    """Confusion counts at a threshold, and what they cost under the given unit costs."""

    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    cost: float


def at_threshold(
    scored: Scored, threshold: float, cost_fp: float, cost_fn: float, benefit_tp: float
) -> ThresholdResult:
    """Classify by ``score >= threshold`` and count outcomes; cost = FP*c_fp + FN*c_fn - TP*b_tp."""
    positive = scored.actual == scored.positive
    flagged = scored.score >= threshold
    tp = int(np.sum(flagged & positive))
    fp = int(np.sum(flagged & ~positive))
    fn = int(np.sum(~flagged & positive))
    tn = int(np.sum(~flagged & ~positive))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    cost = fp * cost_fp + fn * cost_fn - tp * benefit_tp
    return ThresholdResult(threshold, tp, fp, fn, tn, precision, recall, float(cost))


def _thin(*arrays: np.ndarray) -> list[np.ndarray]:
    """Keep at most CURVE_POINTS evenly spaced points so curves stay small on the wire."""
    size = len(arrays[0])
    if size <= CURVE_POINTS:
        return list(arrays)
    keep = np.unique(np.linspace(0, size - 1, CURVE_POINTS).astype(int))
    return [a[keep] for a in arrays]


def roc_points(scored: Scored) -> tuple[np.ndarray, np.ndarray, float]:
    """False-positive rate, true-positive rate and the area under the curve."""
    positive = (scored.actual == scored.positive).astype(int)
    fpr, tpr, _ = skm.roc_curve(positive, scored.score)
    auc = float(skm.auc(fpr, tpr))
    fpr, tpr = _thin(fpr, tpr)
    return fpr, tpr, auc


def pr_points(scored: Scored) -> tuple[np.ndarray, np.ndarray, float]:
    """Recall, precision and average precision."""
    positive = (scored.actual == scored.positive).astype(int)
    precision, recall, _ = skm.precision_recall_curve(positive, scored.score)
    average = float(skm.average_precision_score(positive, scored.score))
    recall, precision = _thin(recall, precision)
    return recall, precision, average


def calibration_table(scored: Scored, bins: int = 10) -> pd.DataFrame:
    """Mean predicted probability against observed positive rate, per equal-width bin."""
    positive = (scored.actual == scored.positive).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(scored.score, edges[1:-1]), 0, bins - 1)
    frame = pd.DataFrame({"bin": index, "predicted": scored.score, "observed": positive})
    table = frame.groupby("bin").agg(
        predicted=("predicted", "mean"), observed=("observed", "mean"), rows=("observed", "size")
    )
    return table.reset_index(drop=True)


def error_by_segment(scored: Scored, feature: str) -> pd.DataFrame:
    """MAE, bias and row count per category of a categorical feature (regressors)."""
    errors = scored.predicted - scored.actual
    frame = pd.DataFrame({"segment": scored.segments[feature], "abs_error": np.abs(errors), "error": errors})
    table = frame.groupby("segment").agg(
        mae=("abs_error", "mean"), bias=("error", "mean"), rows=("error", "size")
    )
    return table.sort_values("mae", ascending=False).reset_index()
