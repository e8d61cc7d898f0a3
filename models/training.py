"""Describe, evaluate and register fitted pipelines; free of Flask and Dash so CLI and jobs share it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.base import is_classifier, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from models.registry import ModelRegistry, ModelVersion, RegistryError, validate_name
from models.schema import SchemaError
from models.schema_inference import infer_schema

log = logging.getLogger(__name__)
CLASSIFICATION = "classification"
REGRESSION = "regression"
IMPORTANCE_SAMPLE_ROWS = 2000
IMPORTANCE_REPEATS = 3


def task_of(estimator: Any) -> str:
    """Classification or regression, from scikit-learn's own tags; anything else is refused."""
    if is_classifier(estimator) and hasattr(estimator, "predict_proba"):
        return CLASSIFICATION
    if is_regressor(estimator):
        return REGRESSION
    raise RegistryError(
        f"{type(estimator).__name__} is not a scikit-learn classifier with predict_proba or a "
        "regressor; the portal serves only those"
    )


def check_fitted(estimator: Any) -> None:
    """Refuse unfitted estimators with a clear message instead of failing on first predict."""
    if not hasattr(estimator, "predict"):
        raise RegistryError(f"got a {type(estimator).__name__}, not a scikit-learn estimator")
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        raise RegistryError("the estimator is not fitted: call fit() before saving it") from None
    except TypeError as exc:
        raise RegistryError(f"the file does not hold a scikit-learn estimator: {exc}") from None


def input_features(estimator: Any, reference: pd.DataFrame, target: str) -> list[str]:
    """The columns the model was fitted on, or every reference column except the target."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    return [c for c in reference.columns if c != target]


def evaluate(estimator: Any, frame: pd.DataFrame, target: str, features: Sequence[str]) -> dict[str, float]:
    """Hold-out metrics of the estimator on ``frame`` (rows with a missing target are skipped)."""
    labelled = frame[frame[target].notna()]
    if labelled.empty:
        raise SchemaError(f"target column {target!r} has no values to evaluate against")
    x, y = labelled[list(features)], labelled[target]
    if task_of(estimator) == CLASSIFICATION:
        return classification_metrics(estimator, x, y)
    return regression_metrics(y.to_numpy(dtype=float), estimator.predict(x))


def classification_metrics(
    estimator: Any, x: pd.DataFrame, y: pd.Series, proba: np.ndarray | None = None
) -> dict[str, float]:
    """Accuracy, F1, and for binary problems ROC AUC, average precision, log loss and Brier score."""
    classes = list(estimator.classes_)
    proba = estimator.predict_proba(x) if proba is None else proba
    predicted = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    y_values = y.to_numpy()
    result = {"accuracy": float(np.mean(predicted == y_values))}
    if len(classes) == 2:
        positive = proba[:, 1]
        y_bin = (y_values == classes[1]).astype(int)
        if 0 < y_bin.sum() < len(y_bin):
            result["roc_auc"] = float(skm.roc_auc_score(y_bin, positive))
            result["average_precision"] = float(skm.average_precision_score(y_bin, positive))
        result["f1"] = float(skm.f1_score(y_bin, (predicted == classes[1]).astype(int), zero_division=0))
        result["log_loss"] = float(skm.log_loss(y_bin, np.clip(positive, 1e-15, 1 - 1e-15), labels=[0, 1]))
        result["brier"] = float(np.mean((positive - y_bin) ** 2))
    else:
        result["f1_macro"] = float(skm.f1_score(y_values.astype(str), predicted.astype(str), average="macro"))
    return result


def regression_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """RMSE, MAE and R² on the same rows."""
    error = predicted - actual
    return {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mae": float(np.mean(np.abs(error))),
        "r2": float(skm.r2_score(actual, predicted)) if len(actual) > 1 else float("nan"),
    }


def _score_for_importance(estimator: Any, x: pd.DataFrame, y: pd.Series) -> float:
    if task_of(estimator) == CLASSIFICATION:
        proba = estimator.predict_proba(x)
        index = {c: i for i, c in enumerate(estimator.classes_)}
        rows = np.arange(len(y))
        cols = np.array([index.get(v, 0) for v in y.to_numpy()])
        return float(np.mean(np.log(np.clip(proba[rows, cols], 1e-15, 1.0))))
    return -float(np.sqrt(np.mean((estimator.predict(x) - y.to_numpy(dtype=float)) ** 2)))


def global_importance(
    estimator: Any, frame: pd.DataFrame, target: str, features: Sequence[str], seed: int = 0
) -> dict[str, float]:
    """Permutation importance on raw input columns: model-agnostic, so it works for any pipeline."""
    labelled = frame[frame[target].notna()]
    if len(labelled) > IMPORTANCE_SAMPLE_ROWS:
        labelled = labelled.sample(IMPORTANCE_SAMPLE_ROWS, random_state=seed)
    x = labelled[list(features)].reset_index(drop=True)
    y = labelled[target].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    baseline = _score_for_importance(estimator, x, y)
    # One predict call per feature: stack the repeats into a single frame.
    importance: dict[str, float] = {}
    for feature in features:
        stacked = pd.concat([x] * IMPORTANCE_REPEATS, ignore_index=True)
        shuffled = np.concatenate([rng.permutation(x[feature].to_numpy()) for _ in range(IMPORTANCE_REPEATS)])
        stacked[feature] = shuffled
        score = _score_for_importance(
            estimator, stacked, pd.concat([y] * IMPORTANCE_REPEATS, ignore_index=True)
        )
        importance[feature] = max(0.0, baseline - score)
    return dict(sorted(importance.items(), key=lambda kv: kv[1], reverse=True))


def describe(
    estimator: Any,
    reference: pd.DataFrame,
    target: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything metadata.json records about a fitted estimator and its reference data."""
    check_fitted(estimator)
    task = task_of(estimator)
    if target not in reference.columns:
        raise SchemaError(f"reference data has no target column {target!r}")
    features = input_features(estimator, reference, target)
    schema = infer_schema(reference, features)
    try:
        metrics = evaluate(estimator, reference, target, features)
    except (ValueError, TypeError) as exc:
        raise SchemaError(f"the model could not score the reference data: {exc}") from None
    classes = [c.item() if isinstance(c, np.generic) else c for c in getattr(estimator, "classes_", [])]
    import sklearn

    metadata: dict[str, Any] = {
        "task": task,
        "target": target,
        "classes": classes,
        "features": [spec.to_dict() for spec in schema],
        "metrics": metrics,
        "global_importance": global_importance(estimator, reference, target, features),
        "estimator": type(estimator).__name__,
        "sklearn_version": sklearn.__version__,
        "reference_rows": len(reference),
    }
    metadata.update(extra or {})
    return metadata


def register_fitted(
    registry: ModelRegistry,
    name: str,
    estimator: Any,
    reference: pd.DataFrame,
    target: str,
    activate: bool = False,
    extra: dict[str, Any] | None = None,
) -> ModelVersion:
    """Validate, describe and store a fitted estimator as a new version of ``name``."""
    validate_name(name)
    metadata = describe(estimator, reference, target, extra)
    return registry.add_version(name, estimator, reference, metadata, activate=activate)
