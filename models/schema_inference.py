"""Describing a model's inputs from its reference data: kind, missingness, categories and range.

The schema it infers is stored with each version and is what ``models.schema`` validates against.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from models.schema import CATEGORICAL, DATETIME, MAX_CATEGORIES, NUMERIC, FeatureSpec, SchemaError


def _as_python(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def infer_feature(name: str, column: pd.Series) -> FeatureSpec:
    """Describe one reference column: kind, missingness, categories or range."""
    required = not bool(column.isna().any())
    if pd.api.types.is_bool_dtype(column):
        values = sorted({bool(v) for v in column.dropna()})
        return FeatureSpec(name, CATEGORICAL, required, tuple(values))
    if pd.api.types.is_datetime64_any_dtype(column):
        present = column.dropna()
        low = present.min().isoformat() if len(present) else None
        high = present.max().isoformat() if len(present) else None
        return FeatureSpec(name, DATETIME, required, minimum=low, maximum=high)
    if pd.api.types.is_numeric_dtype(column):
        present = column.dropna()
        if len(present) and not np.isfinite(present.to_numpy(dtype=float)).all():
            raise SchemaError(f"column {name!r} contains infinite values")
        low = float(present.min()) if len(present) else None
        high = float(present.max()) if len(present) else None
        integer = pd.api.types.is_integer_dtype(column) or bool(
            len(present) and (present.to_numpy(dtype=float) % 1 == 0).all()
        )
        return FeatureSpec(name, NUMERIC, required, minimum=low, maximum=high, integer=integer)
    distinct = column.dropna().unique()
    categories = None
    if len(distinct) <= MAX_CATEGORIES:
        categories = tuple(sorted((_as_python(v) for v in distinct), key=str))
    return FeatureSpec(name, CATEGORICAL, required, categories)


def infer_schema(frame: pd.DataFrame, features: Sequence[str]) -> list[FeatureSpec]:
    """Describe every model input column of ``frame``; a missing column is an error."""
    missing = [name for name in features if name not in frame.columns]
    if missing:
        raise SchemaError(f"reference data lacks the model's input columns: {', '.join(missing)}")
    return [infer_feature(name, frame[name]) for name in features]
