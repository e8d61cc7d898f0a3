"""Sensitivity curves: how the prediction moves as one feature sweeps its range, others held fixed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from models import inference
from models.registry import ModelRegistry, ModelVersion
from models.schema import CATEGORICAL, DATETIME, FeatureSpec

POINTS = 25


def sweep_values(spec: FeatureSpec, reference: pd.Series, points: int = POINTS) -> list[Any]:
    """Values to try: evenly spaced over the training range, or every known category."""
    if spec.kind == CATEGORICAL:
        categories = spec.categories or tuple(reference.dropna().value_counts().index[:points])
        return list(categories)
    if spec.kind == DATETIME:
        present = pd.to_datetime(reference.dropna())
        if present.empty:
            return []
        return list(pd.date_range(present.min(), present.max(), periods=points).normalize().unique())
    if spec.minimum is None or spec.maximum is None or spec.minimum == spec.maximum:
        return [] if spec.minimum is None else [spec.minimum]
    values = np.linspace(spec.minimum, spec.maximum, points)
    return sorted({round(v) for v in values}) if spec.integer else values.round(6).tolist()


def sweep(
    registry: ModelRegistry,
    cache: Any,
    record: ModelVersion,
    base: pd.DataFrame,
    feature: str,
) -> pd.DataFrame:
    """One row per tried value with the model's score (P(last class), or the predicted value)."""
    spec = next(s for s in record.schema if s.name == feature)
    reference = registry.reference(record.name, record.version)[feature]
    values = sweep_values(spec, reference)
    if not values:
        return pd.DataFrame({"value": [], "score": []})
    frame = pd.concat([base] * len(values), ignore_index=True)
    frame[feature] = pd.Series(values, dtype=base[feature].dtype if spec.kind != CATEGORICAL else object)
    result = inference.predict(registry, cache, record.name, frame, record.version)
    if result.probabilities is not None:
        scores = [row[-1] for row in result.probabilities]
    else:
        scores = list(result.predictions)
    return pd.DataFrame({"value": values, "score": scores})
