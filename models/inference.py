"""Predictions and explanations, memoized on (model name, version, model checksum, input hash).

The version and checksum are part of every key, so promoting a version can never serve a result
computed by another one. The cache is passed in; this module never imports Flask or Dash.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from opentelemetry import trace

from models import small_frames
from models.caching import CACHE_REQUESTS, cached_call
from models.registry import LoadedModel, ModelRegistry


@dataclasses.dataclass(frozen=True)
class Prediction:
    """Model output for a batch of rows: predictions, and class probabilities for classifiers."""

    model: str
    version: int
    task: str
    predictions: list[Any]
    classes: list[Any]
    probabilities: list[list[float]] | None

    def records(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per row."""
        if self.probabilities is None:
            return [{"prediction": value} for value in self.predictions]
        labels = [str(label) for label in self.classes]  # once, not once per row
        if len(labels) == 2:  # binary models: a dict display per row is a third of dict(zip(...))'s cost
            first, second = labels
            return [
                {"prediction": value, "probabilities": {first: p, second: q}}
                for value, (p, q) in zip(self.predictions, self.probabilities, strict=True)
            ]
        paired = functools.partial(zip, strict=True)
        shares = map(dict, map(paired, itertools.repeat(labels), self.probabilities))
        return [
            {"prediction": value, "probabilities": probabilities}
            for value, probabilities in zip(self.predictions, shares, strict=True)
        ]


def frame_digest(frame: pd.DataFrame) -> str:
    """A stable hash of the rows' values, columns and dtypes (not the index).

    Column by column rather than ``hash_pandas_object``, which costs milliseconds even for one row.
    """
    digest = hashlib.sha256()
    for name, column in frame.items():
        values = column.to_numpy()
        digest.update(f"{name}:{column.dtype}:{len(values)}|".encode())
        if values.dtype.kind in "biufcmM":
            digest.update(np.ascontiguousarray(values).tobytes())
        else:
            digest.update(repr(values.tolist()).encode())
    return digest.hexdigest()


def _to_python(values: np.ndarray) -> list[Any]:
    """Python scalars for NumPy ones: ``tolist`` is ``item`` per value, in C, for any typed array."""
    if isinstance(values, np.ndarray) and values.dtype != object:
        return values.tolist()
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def predict_uncached(loaded: LoadedModel, frame: pd.DataFrame, arrays: bool = False) -> Prediction:
    """Run the estimator on rows already validated against its schema.

    ``arrays=True`` keeps predictions and probabilities as NumPy arrays (same values): batch
    scoring puts them straight into columns, so a Python object per value would be wasted.
    """
    estimator = loaded.estimator
    x = frame[loaded.version.feature_names]
    record = loaded.version
    listed = (lambda values: values) if arrays else _to_python
    if record.task == "classification":
        proba = small_frames.predict_proba(estimator, x)
        classes = _to_python(np.asarray(estimator.classes_))
        predicted = np.asarray(estimator.classes_)[proba.argmax(axis=1)]
        rounded = proba.round(6)
        return Prediction(
            loaded.name,
            loaded.number,
            record.task,
            listed(predicted),
            classes,
            rounded if arrays else rounded.tolist(),
        )
    values = np.asarray(small_frames.predict(estimator, x), dtype=float).round(6)
    shown = values if arrays else values.tolist()
    return Prediction(loaded.name, loaded.number, record.task, shown, [], None)


# A no-op unless the process installed a tracer provider (portal.web.tracing).
_tracer = trace.get_tracer("portal.models")
# Bump when a cached value's shape changes, so a new release never unpickles an old one.
CACHE_FORMAT = 2


def prediction_key(loaded: LoadedModel, kind: str, digest: str) -> str:
    """Cache key naming the model, version and checksum, so no two versions can share a result."""
    return (
        f"{kind}:f{CACHE_FORMAT}:{loaded.name}:v{loaded.number}:{loaded.version.model_sha256[:16]}:{digest}"
    )


Scorer = Callable[[LoadedModel, pd.DataFrame], Prediction]
# Larger frames are scored without the shared cache. Their key hashes every value (8 ms for 10,000
# rows), their entry (about 240 kB pickled) answers only a byte-identical resend, and each one
# pushes hundreds of small, often repeated entries (forms, what-if rows) out of a bounded cache.
CACHED_ROWS = 1000


def predict(
    registry: ModelRegistry,
    cache: Any,
    name: str,
    frame: pd.DataFrame,
    version: int | None = None,
    scorer: Scorer | None = None,
) -> Prediction:
    """Predict with the active (or given) version, served from the cache when seen before.

    Frames of more than ``CACHED_ROWS`` rows are always computed, and not stored.

    ``scorer`` computes a miss (default ``predict_uncached``); the API passes a micro-batcher's.
    """
    score = scorer or predict_uncached
    with _tracer.start_as_current_span("predict") as span:
        loaded = registry.load(name, version)
        computed: list[bool] = []

        def compute() -> Prediction:
            computed.append(True)
            return score(loaded, frame)

        if len(frame) > CACHED_ROWS:
            CACHE_REQUESTS.labels("inference", "bypass").inc()
            result = compute()
        else:
            key = prediction_key(loaded, "predict", frame_digest(frame))
            result = cached_call(cache, "inference", key, compute)
        span.set_attributes(
            {
                "model.name": name,
                "model.version": loaded.number,
                "predict.rows": len(frame),
                "cache.hit": not computed,
            }
        )
        return result


def positive_score(loaded: LoadedModel, frame: pd.DataFrame) -> np.ndarray:
    """The number an explanation decomposes: P(last class) for classifiers, the value for regressors."""
    x = frame[loaded.version.feature_names]
    if loaded.version.task == "classification":
        return loaded.estimator.predict_proba(x)[:, -1]
    return np.asarray(loaded.estimator.predict(x), dtype=float)


def predict_reference_row(
    registry: ModelRegistry, cache: Any, name: str, row: int, version: int | None = None
) -> tuple[Prediction, Any]:
    """Predict one row of a version's reference data, with its actual target value.

    Keyed on the row number, so a cache hit does no frame work at all.
    """
    loaded = registry.load(name, version)
    record = loaded.version
    key = prediction_key(loaded, "reference-row", str(row))

    def compute() -> tuple[Prediction, Any]:
        reference = registry.reference(name, record.version)
        if not 0 <= row < len(reference):
            raise IndexError(
                f"the reference data has {len(reference):,} rows; choose 0 to {len(reference) - 1}"
            )
        frame = reference.iloc[[row]][record.feature_names].reset_index(drop=True)
        actual = reference[record.target].iloc[row]
        return predict_uncached(loaded, frame), actual.item() if hasattr(actual, "item") else actual

    return cached_call(cache, "inference", key, compute, local=True)
