"""Scoring a few rows without a fitted ``ColumnTransformer``'s fixed cost, with the same numbers.

For one row, ``ColumnTransformer.transform`` spends more time checking its input, selecting columns
through ``_safe_indexing``, running a ``joblib.Parallel`` of one job and wrapping outputs than its
transformers spend transforming (about 1.5 of 9 ms of CPU on the demo model). Here a ``Pipeline``'s
steps run as ``Pipeline.predict_proba`` runs them, except that each ``ColumnTransformer`` hands
each fitted transformer its columns by name and stacks their arrays itself, exactly as its own
dense, ``set_output``-free path does. Those are the same calls on the same values, so the
probabilities are bit-identical (tests compare bytes). Any other shape of estimator or output,
and any sklearn configuration that changes that path, is scored by the estimator itself. Fitted
steps that ``models.light_kernels`` recognises run as its check-free kernels, again bit-identical.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.utils._set_output import _get_output_config

from models.light_kernels import predict_kernel, transform_kernel

log = logging.getLogger(__name__)

# Larger frames go through the estimator itself: their fixed cost no longer matters.
SMALL_FRAME_ROWS = 100

Transform = Callable[[Any], Any]
# A plan: the transform steps, then the final estimator's method per name (its light kernel or itself).
Plan = tuple[tuple[Transform, ...], dict[str, Transform]]
_plans: weakref.WeakKeyDictionary[Any, Plan | None] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


class _NotPlain(Exception):
    """A transformer's output is not a plain dense array: the estimator's own path must decide."""


def predict_proba(estimator: Any, frame: pd.DataFrame) -> np.ndarray:
    """``estimator.predict_proba(frame)``, through the lighter steps when the frame is small."""
    return _call(estimator, frame, "predict_proba")


def predict(estimator: Any, frame: pd.DataFrame) -> Any:
    """``estimator.predict(frame)``, through the lighter steps when the frame is small."""
    return _call(estimator, frame, "predict")


def _call(estimator: Any, frame: pd.DataFrame, method: str) -> Any:
    plan = _plan(estimator) if len(frame) <= SMALL_FRAME_ROWS and _default_config() else None
    if plan is None:
        return getattr(estimator, method)(frame)
    try:
        transformed: Any = frame
        for step in plan[0]:
            transformed = step(transformed)
    except (_NotPlain, KeyError):
        with _lock:
            _plans[estimator] = None  # this model's outputs need the estimator's own handling
        return getattr(estimator, method)(frame)
    final = plan[1].get(method) or getattr(estimator.steps[-1][1], method)
    return final(transformed)


def _default_config() -> bool:
    """Routing and output containers off: then ``Pipeline`` and ``ColumnTransformer`` take the plain path."""
    config = sklearn.get_config()
    return not config.get("enable_metadata_routing") and config.get("transform_output") == "default"


def _plan(estimator: Any) -> Plan | None:
    """The transform steps of a fitted ``Pipeline`` (cached per estimator), or None to use it whole."""
    try:
        return _plans[estimator]
    except (KeyError, TypeError):
        pass
    plan = _build(estimator)
    try:
        with _lock:
            _plans[estimator] = plan
    except TypeError:  # not weakly referable: plan again next time
        pass
    return plan


def _build(estimator: Any) -> Plan | None:
    if type(estimator) is not Pipeline or not hasattr(estimator, "steps"):
        return None
    steps: list[Transform] = []
    for _, _, step in estimator._iter(with_final=False):
        if type(step) is ColumnTransformer:
            transform = _column_transform(step)
            if transform is None:
                return None
            steps.append(transform)
        else:
            steps.append(transform_kernel(step) or step.transform)
    final = estimator.steps[-1][1]
    methods = {m: predict_kernel(final, m) for m in ("predict_proba", "predict")}
    return tuple(steps), {m: kernel for m, kernel in methods.items() if kernel is not None}


def _column_transform(columns: ColumnTransformer) -> Transform | None:
    """The fitted transformer's dense path, or None when it would take another one."""
    fitted = hasattr(columns, "transformers_") and hasattr(columns, "feature_names_in_")
    if not fitted or getattr(columns, "sparse_output_", True) or columns.n_jobs not in (None, 1):
        return None
    if _get_output_config("transform", columns)["dense"] != "default":
        return None
    try:
        parts = list(
            columns._iter(fitted=True, column_as_labels=True, skip_drop=True, skip_empty_columns=True)
        )
    except (AttributeError, TypeError):  # another sklearn's private API: use the estimator whole
        log.info("ColumnTransformer's internals differ; scoring small frames through it", exc_info=True)
        return None
    if not parts:
        return None
    for _, transformer, _, _ in parts:
        if isinstance(transformer, str):  # "passthrough" is wrapped by sklearn itself
            return None
    kernels = [transform_kernel(transformer) or transformer.transform for _, transformer, _, _ in parts]

    def transform(frame: Any) -> np.ndarray:
        if not isinstance(frame, pd.DataFrame):
            raise _NotPlain
        outputs = []
        for (_, _, selected, weight), kernel in zip(parts, kernels, strict=True):
            result = kernel(frame[selected])
            if type(result) is not np.ndarray or result.ndim != 2:
                raise _NotPlain
            outputs.append(result if weight is None else result * weight)
        return np.hstack(outputs)

    return transform
