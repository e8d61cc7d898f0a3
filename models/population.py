"""The scored population of a model version: every row scored once, kept on disk for all workers.

The population is the Parquet file named by ``metadata["population"]`` when present, else the
version's reference data. It is scored in chunks and written as
``<data dir>/scores/<name>/<version>/<key>.parquet`` (temp file + atomic rename), where the key
covers the model checksum and the population file, so a stale file is never read. Each process
memoises the loaded frame.

Also here: the summaries behind the Overview page, as pure pandas/numpy functions. Grid
filtering, sorting and paging over the scored frame live in ``models.grid_query``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.caching import cached_call
from models.registry import LoadedModel, ModelRegistry, ModelVersion

log = logging.getLogger(__name__)

CHUNK_ROWS = 100_000
MEMO_FRAMES = 2
PREDICTION = "prediction"
PROBABILITY = "probability"


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


def prescore(registry: ModelRegistry, data_dir: Path, name: str, version: int) -> None:
    """Score a version's population now (after register, promote or the demo), so no page request has to."""
    try:
        scored = scored_population(registry, data_dir, name, version)
    except Exception as exc:  # the version is registered either way; the page scores it on demand
        log.warning("could not pre-score %s v%d: %s: %s", name, version, type(exc).__name__, exc)
        return
    log.info("scored %d population rows of %s v%d for the overview", scored.rows, name, version)


# -- summaries --------------------------------------------------------------------------------


def cached_summary(cache: Any, scored: ScoredPopulation, kind: str, *args: Any) -> Any:
    """A summary of the scored frame, cached per scored file and arguments in the figures cache.

    Grouping a million rows takes longer than drawing its chart, so page views reuse the result.
    """
    compute = SUMMARIES[kind]
    digest = hashlib.sha256(repr((scored.key, kind, args)).encode()).hexdigest()[:32]
    return cached_call(cache, "figures", f"summary:{digest}", lambda: compute(scored, *args), local=True)


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


def headline(scored: ScoredPopulation, months: pd.DataFrame | None = None) -> Headline:
    """Rows, mean and latest month-on-month change; pass ``months`` when already computed."""
    mean = float(scored.frame[scored.value_column].astype(float).mean()) if scored.rows else None
    months = monthly_means(scored) if months is None else months
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


def value_histogram(scored: ScoredPopulation, bins: int = 40) -> pd.DataFrame:
    """The histogram the Overview draws: probabilities on [0, 1], regression values on their range."""
    bounds = (0.0, 1.0) if scored.probability else None
    return histogram(scored.frame[scored.value_column].to_numpy(), bins, bounds)


SUMMARIES = {
    "monthly": monthly_means,
    "headline": lambda scored: headline(scored),
    "histogram": value_histogram,
    "segment": by_segment,
}
