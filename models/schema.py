"""Feature schemas: inferred from reference data, stored with a model version, used to validate input.

The schema is what lets the portal build forms, validate uploads and API payloads, and explain
errors by row and field for any scikit-learn pipeline, without knowing the model in advance.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

NUMERIC = "numeric"
CATEGORICAL = "categorical"
DATETIME = "datetime"
# Categorical features with more distinct values than this keep no allowed-value list.
MAX_CATEGORIES = 500
# Text longer than these is refused before any parsing: pandas' date parser is superlinear in the
# length, and one 10-million-character "date" held a worker for minutes.
MAX_DATE_CHARS = 64
MAX_TEXT_CHARS = 2_000
# The range of datetime64[ns], which the model's frames use.
_FIRST_STAMP, _LAST_STAMP = pd.Timestamp.min, pd.Timestamp.max

_NOT_AN_OBJECT = "each record must be a JSON object"
_NOT_AN_INPUT = "is not a model input and was ignored (first seen here)"
# An absent key, told apart from an explicit null.
_MISSING = object()
# Floats from 2**53 up may not hold an int exactly, so such numbers are checked one by one.
_EXACT_FLOAT_LIMIT = 2.0**53
# Categorical values whose membership in the allowed values a set lookup decides exactly.
_PLAIN_CATEGORY_TYPES = frozenset({str, int, bool})
_SCALAR_TYPES = frozenset({str, int, bool, float, type(None)})
_LARGEST_FLOAT = int(np.finfo(np.float64).max)
# ISO dates that pd.to_datetime parses in bulk exactly as pd.Timestamp parses them one by one:
# years well inside the nanosecond range, up to microseconds, naive or UTC (its wall time is kept).
_PLAIN_ISO = re.compile(
    r"(?P<date>(?:1[7-9]|2[01])[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01]))"
    r"(?:(?P<time>[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?)(?:Z|[+-]00:00)?)?"
)


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


def _check_value(spec: FeatureSpec, value: Any) -> tuple[Any, str | None, str | None]:
    """Return (clean value, error, warning) for one JSON value against its spec."""
    if value is None:
        if spec.required:
            return None, "is required and may not be null", None
        return None, None, None
    if spec.kind == NUMERIC:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, f"must be a number, got {type(value).__name__} {shown(value)}", None
        if isinstance(value, int) and not -_LARGEST_FLOAT <= value <= _LARGEST_FLOAT:
            return None, f"is too large a number ({len(str(abs(value)))} digits)", None
        if math.isnan(value) or math.isinf(value):
            return None, "must be a finite number, not NaN or infinity", None
        warning = None
        if spec.minimum is not None and not spec.minimum <= value <= spec.maximum:
            warning = f"{value} is outside the training range [{spec.minimum}, {spec.maximum}]"
        return value, None, warning
    if spec.kind == DATETIME:
        if not isinstance(value, str):
            return None, f"must be an ISO date string, got {type(value).__name__}", None
        if len(value) > MAX_DATE_CHARS:
            return None, f"is {len(value):,} characters long; an ISO date has at most {MAX_DATE_CHARS}", None
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError, OverflowError):
            return None, f"{shown(value)} is not an ISO date such as 2024-01-31", None
        if stamp is pd.NaT:
            return None, f"{shown(value)} is not an ISO date such as 2024-01-31", None
        naive = stamp.tz_localize(None) if stamp.tzinfo else stamp
        if not _FIRST_STAMP <= naive <= _LAST_STAMP:
            first, last = _FIRST_STAMP.date() + pd.Timedelta(days=1), _LAST_STAMP.date()
            return None, f"{shown(value)} is outside the dates the model takes ({first} to {last})", None
        return naive.as_unit("ns"), None, None
    # Categorical
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None, "must be a category, not NaN or infinity", None
    if isinstance(value, (dict, list)):
        return None, f"must be a single value, got {type(value).__name__}", None
    known = spec.categories is not None and value in spec.categories
    if not known and isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        return None, f"is {len(value):,} characters long; at most {MAX_TEXT_CHARS:,} are accepted", None
    if spec.categories is not None and not known:
        allowed = ", ".join(repr(c) for c in spec.categories[:20])
        more = "" if len(spec.categories) <= 20 else f" (+{len(spec.categories) - 20} more)"
        return None, f"unknown category {shown(value)}; allowed: {allowed}{more}", None
    return value, None, None


def shown(value: Any, limit: int = 80) -> str:
    """``repr`` of a value for a message, cut short: a message must not echo a megabyte back."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def validate_records(
    records: Iterable[Mapping[str, Any]], schema: Sequence[FeatureSpec]
) -> tuple[pd.DataFrame | None, list[FieldError], list[FieldError]]:
    """Check JSON-like records against the schema; return a model-ready frame, errors, warnings.

    Features are checked a column at a time: values that are plainly valid pass in bulk, and every
    other value goes through ``_check_value`` so errors and warnings read, and come in the same
    row-major order, as the row-by-row check (``_validate_rows``) reports them.
    """
    rows = list(records)
    if len({spec.name for spec in schema}) != len(schema) or any(
        type(record) is not dict and isinstance(record, Mapping) for record in rows
    ):
        return _validate_rows(rows, schema)
    # A value that makes a check raise: rerun row by row, so the same exception surfaces first.
    with contextlib.suppress(Exception):
        return _validate_columns(rows, schema)
    return _validate_rows(rows, schema)


def _validate_rows(
    records: Iterable[Mapping[str, Any]], schema: Sequence[FeatureSpec]
) -> tuple[pd.DataFrame | None, list[FieldError], list[FieldError]]:
    """The reference check, one record and one value at a time."""
    errors: list[FieldError] = []
    warnings: list[FieldError] = []
    columns: dict[str, list[Any]] = {spec.name: [] for spec in schema}
    known = {spec.name for spec in schema}
    ignored: set[str] = set()
    count = 0
    for row, record in enumerate(records):
        count += 1
        if not isinstance(record, Mapping):
            errors.append(FieldError(row, "", _NOT_AN_OBJECT))
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
            warnings.append(FieldError(row, extra, _NOT_AN_INPUT))
    if errors or count == 0:
        return None, errors, warnings
    return frame_from_columns(columns, schema), errors, warnings


@dataclasses.dataclass
class _Column:
    """What checking one feature found: (position, message) errors and warnings, and its frame data."""

    errors: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    warnings: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    missing: int = 0
    # The frame column built in bulk, or else the clean values to build it from as before.
    data: Any = None
    clean: list[Any] | None = None

    def check(self, spec: FeatureSpec, position: int, value: Any) -> Any:
        """Check one value as the row-by-row loop does; note what is wrong and return the clean value."""
        if value is _MISSING:
            self.missing += 1
            if spec.required:
                self.errors.append((position, "is missing"))
            return None
        clean, error, warning = _check_value(spec, value)
        if error:
            self.errors.append((position, error))
        if warning:
            self.warnings.append((position, warning))
        return clean


def _validate_columns(
    rows: list[Any], schema: Sequence[FeatureSpec]
) -> tuple[pd.DataFrame | None, list[FieldError], list[FieldError]]:
    """``validate_records`` feature by feature, for rows that are plain dicts or not mappings at all."""
    records: list[dict[Any, Any]] = rows
    positions: Sequence[int] = range(len(rows))
    errors: list[tuple[int, int, FieldError]] = []
    if not all(type(record) is dict for record in rows):
        records = [record for record in rows if type(record) is dict]
        positions = [row for row, record in enumerate(rows) if type(record) is dict]
        errors = [
            (row, 0, FieldError(row, "", _NOT_AN_OBJECT)) for row, r in enumerate(rows) if type(r) is not dict
        ]
    warnings: list[tuple[int, int, FieldError]] = []
    columns: list[_Column] = []
    values = _feature_values(records, [spec.name for spec in schema])
    for order, spec in enumerate(schema):
        column = _check_column(spec, values[order])
        errors += [(positions[i], order, FieldError(positions[i], spec.name, m)) for i, m in column.errors]
        warnings += [
            (positions[i], order, FieldError(positions[i], spec.name, m)) for i, m in column.warnings
        ]
        columns.append(column)
    if sum(map(len, records)) != len(records) * len(schema) - sum(column.missing for column in columns):
        warnings += _extra_field_warnings(records, positions, schema)
    if errors or not rows:
        return None, _row_major(errors), _row_major(warnings)
    data = {
        spec.name: column.data if column.clean is None else _frame_data(spec, column.clean)
        for spec, column in zip(schema, columns, strict=True)
    }
    return pd.DataFrame(data), [], _row_major(warnings)


def _feature_values(records: list[dict[Any, Any]], names: list[str]) -> list[list[Any]]:
    """Each feature's values over the records, ``_MISSING`` where a record lacks the key.

    One C-level ``itemgetter`` pass per feature: transposing per-record tuples with ``zip(*rows)``
    took twice as long at 10,000 records. Only a feature some record lacks is read with ``get``.
    """
    columns = []
    for name in names:
        try:
            columns.append(list(map(operator.itemgetter(name), records)))
        except KeyError:
            columns.append([record.get(name, _MISSING) for record in records])
    return columns


def _row_major(found: list[tuple[int, int, FieldError]]) -> list[FieldError]:
    """Order findings by row, then by their place in the row (schema order, then ignored fields)."""
    return [item for _, _, item in sorted(found, key=lambda entry: entry[:2])]


def _extra_field_warnings(
    records: list[dict[Any, Any]], positions: Sequence[int], schema: Sequence[FeatureSpec]
) -> list[tuple[int, int, FieldError]]:
    """Warn once per field that is not a model input, at the first row that has it."""
    known = {spec.name for spec in schema}
    ignored: set[str] = set()
    found = []
    for row, record in zip(positions, records, strict=True):
        for order, extra in enumerate(sorted(set(map(str, record)) - known - ignored), start=len(schema)):
            ignored.add(extra)
            found.append((row, order, FieldError(row, extra, _NOT_AN_INPUT)))
    return found


def _check_column(spec: FeatureSpec, values: list[Any]) -> _Column:
    """Check one feature's values (``_MISSING`` for an absent key); the list may be overwritten."""
    if spec.kind == NUMERIC:
        return _check_numeric(spec, values)
    if spec.kind == DATETIME:
        return _check_datetime(spec, values)
    return _check_categorical(spec, values)


def _check_numeric(spec: FeatureSpec, values: list[Any]) -> _Column:
    """Convert plain ints and floats in bulk; check the rest, non-finite, huge and out-of-range ones."""
    column = _Column()
    try:
        if set(map(type, values)) <= {int, float, type(None)}:
            numbers = np.array(values, dtype=np.float64)  # None becomes NaN, to be checked below
        else:
            numbers = np.array([v if type(v) in (int, float) else np.nan for v in values], dtype=np.float64)
    except OverflowError:  # an int past float range: NaN here, so the check below names it
        numbers = np.array([_float_or_nan(v) for v in values], dtype=np.float64)
    suspect = ~(np.abs(numbers) < _EXACT_FLOAT_LIMIT)
    if spec.minimum is not None:
        if _is_plain_bound(spec.minimum) and _is_plain_bound(spec.maximum):
            suspect |= (numbers < spec.minimum) | (numbers > spec.maximum)
        else:
            suspect[:] = True
    for position in np.flatnonzero(suspect).tolist():
        clean = column.check(spec, position, values[position])
        numbers[position] = np.nan if clean is None else float(clean)
    column.data = numbers
    return column


def _float_or_nan(value: Any) -> float:
    if type(value) is float:
        return value
    if type(value) is int and -_LARGEST_FLOAT <= value <= _LARGEST_FLOAT:
        return float(value)
    return math.nan


def _is_plain_bound(bound: Any) -> bool:
    """Whether comparing float64 values with this bound in numpy agrees with Python's comparison."""
    if type(bound) is float:
        return not math.isnan(bound)
    return type(bound) is int and abs(bound) < _EXACT_FLOAT_LIMIT


def _check_categorical(spec: FeatureSpec, values: list[Any]) -> _Column:
    """Pass plain values found among the allowed ones in bulk; check every other value."""
    column = _Column()
    allowed = _allowed_values(spec)
    plain = set(map(type, values)) <= _PLAIN_CATEGORY_TYPES
    if plain and (allowed.issuperset(values) if allowed is not None else not _any_too_long(values)):
        suspects = []
    else:
        suspects = [
            i
            for i, v in enumerate(values)
            if type(v) not in _PLAIN_CATEGORY_TYPES
            or (allowed is not None and v not in allowed)
            or (allowed is None and type(v) is str and len(v) > MAX_TEXT_CHARS)
        ]
    if not suspects:
        column.data = np.array(values, dtype=object)
        return column
    for position in suspects:
        values[position] = column.check(spec, position, values[position])
    column.clean = values
    return column


def _any_too_long(values: list[Any]) -> bool:
    return any(type(v) is str and len(v) > MAX_TEXT_CHARS for v in values)


def _allowed_values(spec: FeatureSpec) -> frozenset[Any] | None:
    """The allowed values as a set (empty when they are not all JSON scalars), or None for any value."""
    if spec.categories is None:
        return None
    if not all(type(category) in _SCALAR_TYPES for category in spec.categories):
        return frozenset()
    return frozenset(spec.categories)


def _check_datetime(spec: FeatureSpec, values: list[Any]) -> _Column:
    """Parse plain ISO strings in bulk and check every other value one by one.

    Should one of those others be a date after all (another offset or format), the whole column is
    built from pd.Timestamp values as before.
    """
    column = _Column()
    stamps = _parse_plain_iso(values)
    suspects = np.flatnonzero(np.isnat(stamps)).tolist()
    for position in suspects:
        values[position] = column.check(spec, position, values[position])
    if all(values[position] is None for position in suspects):
        column.data = stamps
        return column
    for position in np.flatnonzero(~np.isnat(stamps)).tolist():
        values[position] = _check_value(spec, values[position])[0]
    column.clean = values
    return column


def _parse_plain_iso(values: list[Any]) -> np.ndarray:
    """Naive datetime64[ns] of the values that match ``_PLAIN_ISO``; NaT for every other value."""
    naive = {}
    for text in {value for value in values if type(value) is str}:
        match = _PLAIN_ISO.fullmatch(text)
        if match:
            naive[text] = match["date"] + (match["time"] or "")
    texts = [naive.get(value, "NaT") if type(value) is str else "NaT" for value in values]
    parsed = pd.to_datetime(np.array(texts, dtype=object), format="ISO8601", errors="coerce", cache=False)
    return parsed.as_unit("ns").to_numpy()


def frame_from_columns(columns: Mapping[str, list[Any]], schema: Sequence[FeatureSpec]) -> pd.DataFrame:
    """Build a frame with the dtypes the pipeline was trained on (float, datetime, object)."""
    return pd.DataFrame({spec.name: _frame_data(spec, columns[spec.name]) for spec in schema})


def _frame_data(spec: FeatureSpec, values: list[Any]) -> Any:
    """One frame column from clean values (None for missing): float64, datetime64[ns] or object."""
    if spec.kind == NUMERIC:
        return pd.array([np.nan if v is None else float(v) for v in values], dtype="float64")
    if spec.kind == DATETIME:
        return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")
    return pd.Series([np.nan if v is None else v for v in values], dtype=object).to_numpy()
