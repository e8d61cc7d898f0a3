"""The fitted performance estimator of a model version: CBPE for binary classifiers, DLE for regressors.

Fitting reads the version's scored reference data once; the result is cached per model name,
version and checksum (versions never change on disk), in this process and the shared cache.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from models import evaluation
from models.caching import cached_call
from models.estimation import CBPE, CLASSIFIER_METRICS, fit_cbpe
from models.estimation_dle import DLE, REGRESSOR_METRICS, fit_dle
from models.inference import prediction_key
from models.registry import ModelRegistry, ModelVersion

log = logging.getLogger(__name__)
FORMAT = 1
# The demo and registered classifiers predict the class of highest probability: positive above 0.5.
DEFAULT_THRESHOLD = 0.5


class EstimationUnavailable(ValueError):
    """The version cannot be estimated (multi-class, or reference data that cannot fit an estimator)."""


def metrics_for(record: ModelVersion) -> tuple[str, ...]:
    """The metrics estimated for a version's task."""
    return CLASSIFIER_METRICS if record.task == "classification" else REGRESSOR_METRICS


def decision_threshold(record: ModelVersion) -> float:
    """The positive-class probability above which the model predicts positive."""
    value = record.metadata.get("decision_threshold", DEFAULT_THRESHOLD)
    return float(value) if isinstance(value, (int, float)) else DEFAULT_THRESHOLD


def estimation_specs(record: ModelVersion) -> list[Any]:
    """The inputs the loss models learn from: the schema without id and time columns."""
    leading = {record.metadata.get("id_column"), record.metadata.get("time_column")}
    return [spec for spec in record.schema if spec.name not in leading]


def estimator(registry: ModelRegistry, cache: Any, name: str, version: int | None = None) -> CBPE | DLE:
    """The version's fitted estimator, fitted once and cached; EstimationUnavailable says why not."""
    loaded = registry.load(name, version)
    record = loaded.version
    if record.task == "classification" and len(record.classes) != 2:
        raise EstimationUnavailable(
            f"{name} v{record.version} has {len(record.classes)} classes; only binary ones are estimated"
        )
    key = prediction_key(loaded, "estimator", f"e{FORMAT}")

    def fit() -> CBPE | DLE:
        log.info("fitting the performance estimator", extra={"model": name, "version": record.version})
        return _fit(registry, cache, record)

    try:
        return cached_call(cache, "figures", key, fit, large=True)
    except ValueError as exc:
        raise EstimationUnavailable(f"{name} v{record.version}: {exc}") from None


def _fit(registry: ModelRegistry, cache: Any, record: ModelVersion) -> CBPE | DLE:
    scored = evaluation.score(registry, cache, record.name, evaluation.REFERENCE, record.version)
    if record.task == "classification":
        actual = (scored.actual == scored.positive).astype(int)
        return fit_cbpe(np.asarray(scored.score, dtype=float), actual, decision_threshold(record))
    frame = evaluation.source_frame(registry, record, evaluation.REFERENCE)
    return fit_dle(frame, scored.predicted, scored.actual, estimation_specs(record))
