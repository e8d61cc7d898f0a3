"""Two model versions on the same labelled rows: metrics, per-segment metrics, prediction differences.

Shared by the retrain report and the Model comparison page, so both say the same thing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from models.registry import LoadedModel
from models.training import CLASSIFICATION, classification_metrics, regression_metrics

TOP_CHANGED = 20
DIFF_BINS = 30
MAX_SEGMENT_VALUES = 30


def _outputs(loaded: LoadedModel, x: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Predicted labels or values, the class probabilities (classifiers), and a score to diff."""
    estimator = loaded.estimator
    if loaded.version.task == CLASSIFICATION:
        proba = estimator.predict_proba(x)
        labels = np.asarray(list(estimator.classes_), dtype=object)[proba.argmax(axis=1)]
        return labels, proba, proba[:, -1]
    values = np.asarray(estimator.predict(x), dtype=float)
    return values, None, values


def _metrics(loaded: LoadedModel, x: pd.DataFrame, y: pd.Series, proba: np.ndarray | None, predicted) -> dict:
    if not len(y):
        return {}
    if loaded.version.task == CLASSIFICATION:
        return classification_metrics(loaded.estimator, x, y, proba)
    return regression_metrics(y.to_numpy(dtype=float), np.asarray(predicted, dtype=float))


def _segment_table(
    task: str, frame: pd.DataFrame, target: str, features: list[str], a_pred, b_pred
) -> list[dict[str, Any]]:
    """Accuracy (classifiers) or MAE (regressors) of both versions per category of categorical features."""
    rows: list[dict[str, Any]] = []
    actual = frame[target].to_numpy()
    for feature in features:
        values = frame[feature].astype(object).where(frame[feature].notna(), "(missing)").astype(str)
        counts = values.value_counts()
        if len(counts) > MAX_SEGMENT_VALUES:
            counts = counts.iloc[:MAX_SEGMENT_VALUES]
        for segment, size in counts.items():
            mask = (values == segment).to_numpy()
            if task == CLASSIFICATION:
                a_score = float(np.mean(a_pred[mask] == actual[mask]))
                b_score = float(np.mean(b_pred[mask] == actual[mask]))
            else:
                a_score = float(np.mean(np.abs(a_pred[mask] - actual[mask].astype(float))))
                b_score = float(np.mean(np.abs(b_pred[mask] - actual[mask].astype(float))))
            rows.append(
                {"feature": feature, "segment": str(segment), "rows": int(size), "a": a_score, "b": b_score}
            )
    return rows


def compare(
    a: LoadedModel, b: LoadedModel, frame: pd.DataFrame, id_column: str | None = None
) -> dict[str, Any]:
    """A JSON-ready comparison of versions ``a`` and ``b`` on the labelled rows of ``frame``."""
    record = b.version
    target = record.target
    labelled = frame[frame[target].notna()].reset_index(drop=True)
    features = [f for f in record.feature_names if f in a.version.feature_names]
    x = labelled[record.feature_names]
    xa = labelled[a.version.feature_names]
    a_pred, a_proba, a_score = _outputs(a, xa)
    b_pred, b_proba, b_score = _outputs(b, x)
    task = record.task
    difference = b_score - a_score
    categorical = [s.name for s in record.schema if s.kind == "categorical" and s.name in features]
    changed = a_pred != b_pred if task == CLASSIFICATION else np.zeros(len(labelled), dtype=bool)
    order = np.argsort(-np.abs(difference))[:TOP_CHANGED]
    ids = labelled[id_column].astype(str).to_numpy() if id_column and id_column in labelled else None
    top = [
        {
            "row": int(i),
            "record": None if ids is None else ids[i],
            "a": _plain(a_pred[i]),
            "b": _plain(b_pred[i]),
            "a_score": float(a_score[i]),
            "b_score": float(b_score[i]),
            "difference": float(difference[i]),
            "actual": _plain(labelled[target].iloc[i]),
        }
        for i in order
    ]
    counts, edges = (
        np.histogram(difference, bins=DIFF_BINS) if len(difference) else (np.array([]), np.array([]))
    )
    return {
        "model": record.name,
        "task": task,
        "a": a.number,
        "b": b.number,
        "rows": len(labelled),
        "metrics": {
            "a": _metrics(a, xa, labelled[target], a_proba, a_pred),
            "b": _metrics(b, x, labelled[target], b_proba, b_pred),
        },
        "segments": _segment_table(task, labelled, target, categorical, a_pred, b_pred),
        "differences": {
            "score": "probability of the last class" if task == CLASSIFICATION else "predicted value",
            "mean": float(np.mean(difference)) if len(difference) else 0.0,
            "mean_abs": float(np.mean(np.abs(difference))) if len(difference) else 0.0,
            "changed_class_share": float(np.mean(changed))
            if len(changed) and task == CLASSIFICATION
            else None,
            "histogram": {"counts": counts.tolist(), "edges": edges.tolist()},
            "top": top,
        },
    }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def summary_text(report: dict[str, Any]) -> str:
    """A short readable account of a comparison, for the report file and the CLI."""
    lines = [
        f"Model {report['model']}: v{report['a']} (champion) against v{report['b']} (challenger)",
        f"on the same {report['rows']} held-out labelled rows.",
        "",
        f"{'metric':<20} {'v' + str(report['a']):>12} {'v' + str(report['b']):>12}",
    ]
    a_metrics, b_metrics = report["metrics"]["a"], report["metrics"]["b"]
    for name in sorted(set(a_metrics) | set(b_metrics)):
        a_value, b_value = a_metrics.get(name, float("nan")), b_metrics.get(name, float("nan"))
        lines.append(f"{name:<20} {a_value:>12.4f} {b_value:>12.4f}")
    diff = report["differences"]
    lines.append("")
    lines.append(f"Mean absolute difference of the {diff['score']}: {diff['mean_abs']:.4f}")
    if diff["changed_class_share"] is not None:
        lines.append(f"Share of rows whose predicted class changed: {diff['changed_class_share']:.2%}")
    if "holdout" in report:
        lines.append("")
        lines.append(f"Held-out set: {report['holdout']}")
    return "\n".join(lines) + "\n"
