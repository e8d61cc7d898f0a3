"""The scored population of a model version: every row scored once, kept on disk for all workers.

The population is the Parquet file named by ``metadata["population"]`` when present, else the
version's reference data. It is scored in chunks and written as
``<data dir>/scores/<name>/<version>/<key>.parquet`` (temp file + atomic rename), where the key
covers the model checksum and the population file, so a stale file is never read. Each process
memoises the loaded frame, and the positions selected by a grid filter/sort, so scrolling is cheap.

Also here: the summaries behind the Overview page and the ag-grid filter/sort/page logic, as pure
pandas/numpy functions (no Dash, no Flask).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.registry import LoadedModel, ModelRegistry, ModelVersion

CHUNK_ROWS = 100_000
MEMO_FRAMES = 2
MEMO_SELECTIONS = 16
PREDICTION = "prediction"
PROBABILITY = "probability"


class QueryError(ValueError):
    """A filter or sort model that cannot be applied; the message says why."""


@dataclasses.dataclass(frozen=True)
class ScoredPopulation:
    """A scored frame and what its columns mean."""

    name: str
    version: int
    task: str
    key: str
    frame: pd.DataFrame
    id_column: str | None
    time_column: str | None
    prediction: str
    probability: str | None
    features: tuple[str, ...]

    @property
    def rows(self) -> int:
        return len(self.frame)

    @property
    def value_column(self) -> str:
        """The number the page summarises: positive-class probability, or the regression value."""
        return self.probability or self.prediction


_frames: OrderedDict[str, ScoredPopulation] = OrderedDict()
_selections: OrderedDict[tuple[str, str, str], np.ndarray] = OrderedDict()
_lock = threading.Lock()
_compute_locks: dict[str, threading.Lock] = {}


def population_path(record: ModelVersion) -> Path | None:
    """The population file registered with the version, if it exists."""
    path = record.metadata.get("population")
    return Path(path) if path and Path(path).is_file() else None


def _free_name(base: str, taken: set[str]) -> str:
    name = base
    while name in taken:
        name = "_" + name
    return name


def output_columns(record: ModelVersion) -> tuple[str, str | None]:
    """Names of the prediction and probability columns, never clashing with the data's own."""
    taken = set(record.feature_names) | {record.target}
    taken |= {c for c in (record.metadata.get("id_column"), record.metadata.get("time_column")) if c}
    prediction = _free_name(PREDICTION, taken)
    probability = _free_name(PROBABILITY, taken) if record.task == "classification" else None
    return prediction, probability


def cache_key(record: ModelVersion) -> str:
    """Identifies the model file and the population it scores; part of the cache file name."""
    digest = hashlib.sha256(record.model_sha256.encode())
    path = population_path(record)
    source = path if path is not None else record.path / "reference.parquet"
    try:
        stat = source.stat()
        digest.update(f"{source.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    except OSError:
        digest.update(str(source).encode())
    return digest.hexdigest()[:16]


def cache_file(data_dir: Path, record: ModelVersion) -> Path:
    return Path(data_dir) / "scores" / record.name / str(record.version) / f"{cache_key(record)}.parquet"


def load_population(registry: ModelRegistry, record: ModelVersion) -> pd.DataFrame:
    path = population_path(record)
    if path is not None:
        return pd.read_parquet(path)
    return registry.reference(record.name, record.version)


def score_frame(loaded: LoadedModel, frame: pd.DataFrame, chunk_rows: int = CHUNK_ROWS) -> pd.DataFrame:
    """Id, time, predictions (and positive-class probability) and features, scored in chunks."""
    record = loaded.version
    prediction, probability = output_columns(record)
    id_column = record.metadata.get("id_column")
    time_column = record.metadata.get("time_column")
    leading = [c for c in (id_column, time_column) if c and c in frame.columns]
    features = [c for c in record.feature_names if c not in leading]
    x = frame[record.feature_names]
    predictions: list[np.ndarray] = []
    probabilities: list[np.ndarray] = []
    estimator = loaded.estimator
    for start in range(0, len(frame), chunk_rows):
        part = x.iloc[start : start + chunk_rows]
        if record.task == "classification":
            proba = estimator.predict_proba(part)
            predictions.append(np.asarray(estimator.classes_)[proba.argmax(axis=1)])
            probabilities.append(proba[:, -1].astype(float))
        else:
            predictions.append(np.asarray(estimator.predict(part), dtype=float))
    out = frame[leading].reset_index(drop=True).copy()
    if record.task == "classification":
        classes = np.asarray(estimator.classes_)
        empty = np.array([], dtype=classes.dtype)
        out[prediction] = np.concatenate(predictions) if predictions else empty
        out[probability] = np.concatenate(probabilities) if probabilities else np.array([], dtype=float)
    else:
        out[prediction] = np.concatenate(predictions) if predictions else np.array([], dtype=float)
    for name in features:
        out[name] = frame[name].to_numpy()
    return out


def _write_atomically(frame: pd.DataFrame, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".scoring-", suffix=".parquet", dir=target.parent)
    os.close(handle)
    try:
        frame.to_parquet(temp, index=False)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def scored_population(
    registry: ModelRegistry, data_dir: Path, name: str, version: int | None = None
) -> ScoredPopulation:
    """The scored population of a version (the active one by default), computed at most once."""
    loaded = registry.load(name, version)
    record = loaded.version
    target = cache_file(data_dir, record)
    memo_key = str(target)
    found = _frames.get(memo_key)
    if found is not None:
        return found
    with _lock:
        compute_lock = _compute_locks.setdefault(memo_key, threading.Lock())
    with compute_lock:
        found = _frames.get(memo_key)
        if found is not None:
            return found
        if target.is_file():
            frame = pd.read_parquet(target)
        else:
            frame = score_frame(loaded, load_population(registry, record))
            _write_atomically(frame, target)
        prediction, probability = output_columns(record)
        id_column = record.metadata.get("id_column")
        time_column = record.metadata.get("time_column")
        scored = ScoredPopulation(
            name=record.name,
            version=record.version,
            task=record.task,
            key=memo_key,
            frame=frame,
            id_column=id_column if id_column in frame.columns else None,
            time_column=time_column if time_column in frame.columns else None,
            prediction=prediction,
            probability=probability,
            features=tuple(c for c in record.feature_names if c in frame.columns),
        )
        with _lock:
            _frames[memo_key] = scored
            while len(_frames) > MEMO_FRAMES:
                _frames.popitem(last=False)
        return scored


# -- summaries --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Headline:
    """The KPI numbers: rows, the mean predicted value, and its latest month-on-month change."""

    rows: int
    mean: float | None
    latest_month: str | None
    previous_month: str | None
    change: float | None


def monthly_means(scored: ScoredPopulation) -> pd.DataFrame:
    """Mean predicted value and rows per month (YYYY-MM); empty without a time column."""
    if scored.time_column is None or not scored.rows:
        return pd.DataFrame({"month": [], "mean": [], "rows": []})
    stamps = pd.to_datetime(scored.frame[scored.time_column], errors="coerce")
    values = scored.frame[scored.value_column].astype(float)
    # Group on a year*100+month integer: formatting a million timestamps first is slow.
    table = (
        pd.DataFrame({"month": stamps.dt.year * 100 + stamps.dt.month, "value": values})
        .dropna(subset=["month"])
        .groupby("month", sort=True)
        .agg(mean=("value", "mean"), rows=("value", "size"))
        .reset_index()
    )
    codes = table["month"].astype(int)
    table["month"] = [f"{c // 100:04d}-{c % 100:02d}" for c in codes]
    return table


def headline(scored: ScoredPopulation) -> Headline:
    mean = float(scored.frame[scored.value_column].astype(float).mean()) if scored.rows else None
    months = monthly_means(scored)
    if len(months) < 2:
        latest = str(months["month"].iloc[-1]) if len(months) else None
        return Headline(scored.rows, mean, latest, None, None)
    last, previous = months.iloc[-1], months.iloc[-2]
    return Headline(
        scored.rows, mean, str(last["month"]), str(previous["month"]), float(last["mean"] - previous["mean"])
    )


def histogram(values: np.ndarray, bins: int = 40, bounds: tuple[float, float] | None = None) -> pd.DataFrame:
    """Counts per equal-width bin, computed here so the chart payload does not grow with the data."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not len(values):
        return pd.DataFrame({"left": [], "right": [], "count": []})
    counts, edges = np.histogram(values, bins=bins, range=bounds)
    return pd.DataFrame({"left": edges[:-1], "right": edges[1:], "count": counts})


def by_segment(scored: ScoredPopulation, feature: str) -> pd.DataFrame:
    """Mean predicted value and rows per category of a feature, missing values as '(missing)'."""
    table = (
        pd.DataFrame(
            {"segment": scored.frame[feature], "value": scored.frame[scored.value_column].astype(float)}
        )
        .groupby("segment", sort=False, dropna=False)
        .agg(mean=("value", "mean"), rows=("value", "size"))
        .reset_index()
    )
    labels = table["segment"].astype(object)
    table["segment"] = labels.where(labels.notna(), "(missing)").astype(str)
    return table.sort_values("mean", ascending=False).reset_index(drop=True)


# -- ag-grid filter, sort and paging -----------------------------------------------------------


def _number(value: Any, column: str) -> float:
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
            "equals": lambda: numbers == _number(low, column),
            "notEqual": lambda: numbers != _number(low, column),
            "greaterThan": lambda: numbers > _number(low, column),
            "greaterThanOrEqual": lambda: numbers >= _number(low, column),
            "lessThan": lambda: numbers < _number(low, column),
            "lessThanOrEqual": lambda: numbers <= _number(low, column),
            "inRange": lambda: numbers.between(
                _number(low, column), _number(condition.get("filterTo"), column), inclusive="both"
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
    positions = cached_select(scored, filter_model, sort_model)
    start = max(0, int(start))
    end = min(max(start, int(end)), start + max_rows)
    page = scored.frame.iloc[positions[start:end]]
    return {"rowData": records(page), "rowCount": len(positions)}


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
