"""Feature schemas: inferred from reference data, stored with a model version, used to validate input.

The schema is what lets the portal build forms, validate uploads and API payloads, and explain
errors by row and field for any scikit-learn pipeline, without knowing the model in advance.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

NUMERIC = "numeric"
CATEGORICAL = "categorical"
DATETIME = "datetime"
# Categorical features with more distinct values than this keep no allowed-value list.
MAX_CATEGORIES = 500


@dataclasses.dataclass(frozen=True)
class FeatureSpec:
    """One model input: its kind, whether it may be missing, and the values seen in training."""

    name: str
    kind: str
    required: bool = True
    categories: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "type": self.kind, "required": self.required}
        if self.categories is not None:
            data["categories"] = list(self.categories)
        if self.minimum is not None:
            data["min"] = self.minimum
            data["max"] = self.maximum
        if self.kind == NUMERIC:
            data["integer"] = self.integer
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureSpec:
        categories = data.get("categories")
        return cls(
            name=str(data["name"]),
            kind=str(data["type"]),
            required=bool(data.get("required", True)),
            categories=tuple(categories) if categories is not None else None,
            minimum=data.get("min"),
            maximum=data.get("max"),
            integer=bool(data.get("integer", False)),
        )


@dataclasses.dataclass(frozen=True)
class FieldError:
    """A problem with one value, located by row and field so a user can fix it."""

    row: int
    field: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


class SchemaError(ValueError):
    """The data cannot be described or used by the schema; the message says which column."""


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


def _check_value(spec: FeatureSpec, value: Any) -> tuple[Any, str | None, str | None]:
    """Return (clean value, error, warning) for one JSON value against its spec."""
    if value is None:
        if spec.required:
            return None, "is required and may not be null", None
        return None, None, None
    if spec.kind == NUMERIC:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, f"must be a number, got {type(value).__name__} {value!r}", None
        if math.isnan(value) or math.isinf(value):
            return None, "must be a finite number, not NaN or infinity", None
        warning = None
        if spec.minimum is not None and not spec.minimum <= value <= spec.maximum:
            warning = f"{value} is outside the training range [{spec.minimum}, {spec.maximum}]"
        return value, None, warning
    if spec.kind == DATETIME:
        if not isinstance(value, str):
            return None, f"must be an ISO date string, got {type(value).__name__}", None
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError):
            return None, f"{value!r} is not an ISO date such as 2024-01-31", None
        if stamp is pd.NaT:
            return None, f"{value!r} is not an ISO date such as 2024-01-31", None
        return stamp.tz_localize(None) if stamp.tzinfo else stamp, None, None
    # Categorical
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None, "must be a category, not NaN or infinity", None
    if isinstance(value, (dict, list)):
        return None, f"must be a single value, got {type(value).__name__}", None
    if spec.categories is not None and value not in spec.categories:
        allowed = ", ".join(repr(c) for c in spec.categories[:20])
        more = "" if len(spec.categories) <= 20 else f" (+{len(spec.categories) - 20} more)"
        return None, f"unknown category {value!r}; allowed: {allowed}{more}", None
    return value, None, None


def validate_records(
    records: Iterable[Mapping[str, Any]], schema: Sequence[FeatureSpec]
) -> tuple[pd.DataFrame | None, list[FieldError], list[FieldError]]:
    """Check JSON-like records against the schema; return a model-ready frame, errors, warnings."""
    errors: list[FieldError] = []
    warnings: list[FieldError] = []
    columns: dict[str, list[Any]] = {spec.name: [] for spec in schema}
    known = {spec.name for spec in schema}
    ignored: set[str] = set()
    count = 0
    for row, record in enumerate(records):
        count += 1
        if not isinstance(record, Mapping):
            errors.append(FieldError(row, "", "each record must be a JSON object"))
            continue
        for spec in schema:
            if spec.name not in record:
                if spec.required:
                    errors.append(FieldError(row, spec.name, "is missing"))
                columns[spec.name].append(None)
                continue
            clean, error, warning = _check_value(spec, record[spec.name])
            if error:
                errors.append(FieldError(row, spec.name, error))
            if warning:
                warnings.append(FieldError(row, spec.name, warning))
            columns[spec.name].append(clean)
        for extra in sorted(set(map(str, record)) - known - ignored):
            ignored.add(extra)
            warnings.append(FieldError(row, extra, "is not a model input and was ignored (first seen here)"))
    if errors or count == 0:
        return None, errors, warnings
    return frame_from_columns(columns, schema), errors, warnings


def frame_from_columns(columns: Mapping[str, list[Any]], schema: Sequence[FeatureSpec]) -> pd.DataFrame:
    """Build a frame with the dtypes the pipeline was trained on (float, datetime, object)."""
    data: dict[str, Any] = {}
    for spec in schema:
        values = columns[spec.name]
        if spec.kind == NUMERIC:
            data[spec.name] = pd.array([np.nan if v is None else float(v) for v in values], dtype="float64")
        elif spec.kind == DATETIME:
            data[spec.name] = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")
        else:
            data[spec.name] = pd.Series([np.nan if v is None else v for v in values], dtype=object).to_numpy()
    return pd.DataFrame(data)
