"""ag-grid server-side row model over a scored population: filter, sort and page in pandas.

The grid sends its filterModel and sortModel; only the requested rows travel back. The positions
selected by a filter/sort are memoised per process, so scrolling through one filter is cheap.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from models.population import ScoredPopulation

MEMO_SELECTIONS = 16
_selections: OrderedDict[tuple[str, str, str], np.ndarray] = OrderedDict()
_lock = threading.Lock()


class _GridModels(TypedDict, total=False):
    filterModel: dict[str, Any] | None
    sortModel: list[dict[str, Any]] | None


class GridRequest(_GridModels):
    """What ag-grid's infinite row model asks for: a block of rows, under the grid's filter and sort."""

    startRow: int
    endRow: int


class QueryError(ValueError):
    """A filter or sort model that cannot be applied; the message says why."""


def filter_number(value: Any, column: str) -> float:
    """A filter's number, or QueryError naming the column (shared with the SQL grid)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise QueryError(f"filter on {column!r}: {value!r} is not a number") from None


def _condition_mask(series: pd.Series, condition: Mapping[str, Any], column: str) -> pd.Series:
    if not isinstance(condition, Mapping):
        raise QueryError(f"filter on {column!r} must be an object")
    kind = condition.get("type")
    filter_type = condition.get("filterType", "text")
    if kind == "blank":
        return series.isna() | (series.astype("string").fillna("") == "")
    if kind == "notBlank":
        return series.notna() & (series.astype("string").fillna("") != "")
    if filter_type == "text":
        needle = str(condition.get("filter") if condition.get("filter") is not None else "").lower()
        text = series.astype("string").str.lower()
        operations = {
            "contains": lambda: text.str.contains(needle, regex=False),
            "notContains": lambda: ~text.str.contains(needle, regex=False).fillna(False),
            "equals": lambda: text == needle,
            "notEqual": lambda: (text != needle).fillna(True),
            "startsWith": lambda: text.str.startswith(needle),
            "endsWith": lambda: text.str.endswith(needle),
        }
    elif filter_type == "number":
        if not pd.api.types.is_numeric_dtype(series):
            raise QueryError(f"column {column!r} is not numeric")
        numbers = series.astype(float)
        low = condition.get("filter")
        operations = {
            "equals": lambda: numbers == filter_number(low, column),
            "notEqual": lambda: numbers != filter_number(low, column),
            "greaterThan": lambda: numbers > filter_number(low, column),
            "greaterThanOrEqual": lambda: numbers >= filter_number(low, column),
            "lessThan": lambda: numbers < filter_number(low, column),
            "lessThanOrEqual": lambda: numbers <= filter_number(low, column),
            "inRange": lambda: numbers.between(
                filter_number(low, column), filter_number(condition.get("filterTo"), column), inclusive="both"
            ),
        }
    elif filter_type == "date":
        stamps = pd.to_datetime(series, errors="coerce")

        def day(key: str) -> pd.Timestamp:
            try:
                return pd.Timestamp(str(condition.get(key))).normalize()
            except (TypeError, ValueError):
                raise QueryError(f"filter on {column!r}: {condition.get(key)!r} is not a date") from None

        days = stamps.dt.normalize()
        operations = {
            "equals": lambda: days == day("dateFrom"),
            "notEqual": lambda: days != day("dateFrom"),
            "greaterThan": lambda: days > day("dateFrom"),
            "lessThan": lambda: days < day("dateFrom"),
            "inRange": lambda: (days > day("dateFrom")) & (days < day("dateTo")),
        }
    else:
        raise QueryError(f"filter type {filter_type!r} on {column!r} is not supported")
    if kind not in operations:
        raise QueryError(f"{filter_type} filter {kind!r} on {column!r} is not supported")
    return operations[kind]().fillna(False).astype(bool)


def _column_mask(series: pd.Series, model: Mapping[str, Any], column: str) -> pd.Series:
    if isinstance(model, Mapping) and "conditions" in model:
        masks = [_condition_mask(series, c, column) for c in model.get("conditions") or []]
        if not masks:
            return pd.Series(True, index=series.index)
        operator = str(model.get("operator", "AND")).upper()
        if operator not in {"AND", "OR"}:
            raise QueryError(f"filter operator {operator!r} on {column!r} is not supported")
        combined = masks[0]
        for mask in masks[1:]:
            combined = combined & mask if operator == "AND" else combined | mask
        return combined
    return _condition_mask(series, model, column)


def select(
    frame: pd.DataFrame,
    filter_model: Mapping[str, Any] | None,
    sort_model: Sequence[Mapping[str, Any]] | None,
) -> np.ndarray:
    """Row positions of ``frame`` that pass an ag-grid filterModel, in sortModel order."""
    if filter_model is not None and not isinstance(filter_model, Mapping):
        raise QueryError("the filter model must be a JSON object")
    if sort_model is not None and not isinstance(sort_model, Sequence | list):
        raise QueryError("the sort model must be a JSON list")
    mask = np.ones(len(frame), dtype=bool)
    for column, model in (filter_model or {}).items():
        if column not in frame.columns:
            raise QueryError(f"cannot filter on unknown column {column!r}")
        mask &= _column_mask(frame[column], model, column).to_numpy()
    positions = np.flatnonzero(mask)
    columns, ascending = [], []
    for item in sort_model or []:
        if not isinstance(item, Mapping):
            raise QueryError("each sort entry must be an object with colId and sort")
        column, direction = item.get("colId"), item.get("sort")
        if column not in frame.columns:
            raise QueryError(f"cannot sort on unknown column {column!r}")
        if direction not in {"asc", "desc"}:
            raise QueryError(f"sort direction {direction!r} must be 'asc' or 'desc'")
        columns.append(column)
        ascending.append(direction == "asc")
    if columns and len(positions):
        subset = frame.iloc[positions][columns].reset_index(drop=True)
        order = subset.sort_values(columns, ascending=ascending, kind="stable", na_position="last").index
        positions = positions[order.to_numpy()]
    return positions


def cached_select(
    scored: ScoredPopulation,
    filter_model: Mapping[str, Any] | None,
    sort_model: Sequence[Mapping[str, Any]] | None,
) -> np.ndarray:
    """``select`` memoised per process, so paging through one filter does not redo it."""
    slot = (
        scored.key,
        json.dumps(filter_model or {}, sort_keys=True, default=str),
        json.dumps(sort_model or [], sort_keys=True, default=str),
    )
    found = _selections.get(slot)
    if found is not None:
        return found
    positions = select(scored.frame, filter_model, sort_model)
    with _lock:
        _selections[slot] = positions
        while len(_selections) > MEMO_SELECTIONS:
            _selections.popitem(last=False)
    return positions


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: missing values become null, timestamps ISO dates."""
    return json.loads(frame.to_json(orient="records", date_format="iso", date_unit="s"))


def rows_page(
    scored: ScoredPopulation,
    filter_model: Mapping[str, Any] | None,
    sort_model: Sequence[Mapping[str, Any]] | None,
    start: int,
    end: int,
    max_rows: int = 1000,
) -> dict[str, Any]:
    """An ag-grid getRowsResponse: rows start..end of the filtered, sorted frame, and rowCount."""
    return page_of(scored.frame, cached_select(scored, filter_model, sort_model), start, end, max_rows)


def page_of(
    frame: pd.DataFrame, positions: np.ndarray, start: int, end: int, max_rows: int = 1000
) -> dict[str, Any]:
    """Rows ``start..end`` (at most ``max_rows``) of the selected ``positions``, as ag-grid wants them."""
    start = max(0, int(start))
    end = min(max(start, int(end)), start + max_rows)
    return {"rowData": records(frame.iloc[positions[start:end]]), "rowCount": len(positions)}


def iter_selected(
    scored: ScoredPopulation,
    filter_model: Mapping[str, Any] | None,
    sort_model: Sequence[Mapping[str, Any]] | None,
    chunk_rows: int = 50_000,
) -> Iterator[pd.DataFrame]:
    """The filtered, sorted frame in chunks (at least one, possibly empty, so headers are known)."""
    positions = cached_select(scored, filter_model, sort_model)
    if not len(positions):
        yield scored.frame.iloc[0:0]
        return
    for start in range(0, len(positions), chunk_rows):
        yield scored.frame.iloc[positions[start : start + chunk_rows]]
