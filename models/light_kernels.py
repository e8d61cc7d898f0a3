"""Light kernels for scoring a few rows: the same arrays as sklearn's fitted steps, without their checks.

For one row, the demo pipeline's arithmetic is a few dozen comparisons; nearly all of its ~5 ms goes
to sklearn's per-call validation and bookkeeping (``validate_data``, output wrapping, sparse
assembly in ``OneHotEncoder``, thread setup in the boosting predictor). Each kernel here recomputes
one fitted step's output as its installed source computes it (scikit-learn is pinned in
constraints.txt), bit for bit, and is built only for exactly recognised types and parameters
(``type(x) is ...``). Anything else, at plan time or at call time (an unexpected dtype, infinity, a
non-string category, other column names), goes to the step's own method, which also raises the
errors it raises. Should sklearn's internals differ from what is read here, the kernel is not built.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder
from sklearn.utils._set_output import _get_output_config

log = logging.getLogger(__name__)

Kernel = Callable[[Any], Any]
_FLOAT64 = np.dtype(np.float64)


def transform_kernel(step: Any) -> Kernel | None:
    """A kernel giving ``step.transform(X)``'s array, or None when ``step`` is not recognised."""
    try:
        if type(step) is Pipeline:
            return _pipeline_kernel(step)
        if _wrapped_output(step):
            return None
        if type(step) is FunctionTransformer:
            return _function_kernel(step)
        if type(step) is SimpleImputer:
            return _imputer_kernel(step)
        if type(step) is OneHotEncoder:
            return _one_hot_kernel(step)
    except (AttributeError, TypeError, ValueError, KeyError):  # other internals: use the step itself
        log.info("no light kernel for %s", type(step).__name__, exc_info=True)
    return None


def predict_kernel(estimator: Any, method: str) -> Kernel | None:
    """A kernel giving ``getattr(estimator, method)(X)`` for a plain boosted model, or None."""
    try:
        return _boosting_kernel(estimator, method)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError):
        log.info("no light kernel for %s.%s", type(estimator).__name__, method, exc_info=True)
        return None


def _wrapped_output(step: Any) -> bool:
    return _get_output_config("transform", step)["dense"] != "default"


def _pipeline_kernel(pipeline: Pipeline) -> Kernel | None:
    """``Pipeline.transform`` runs each step's transform in order (routing off, checked by the caller)."""
    if _wrapped_output(pipeline) or pipeline.memory is not None:
        return None
    kernels: list[Kernel] = []
    for _, _, step in pipeline._iter(with_final=True):
        kernel = transform_kernel(step)
        kernels.append(step.transform if kernel is None else kernel)

    def run(X: Any) -> Any:
        for kernel in kernels:
            X = kernel(X)
        return X

    return run


def _function_kernel(step: FunctionTransformer) -> Kernel | None:
    """``validate=False``: transform is ``func(X, **kw_args)``; a frame output is checked by sklearn."""
    if step.validate or step.func is None:
        return None
    func, kw_args = step.func, dict(step.kw_args or {})

    def run(X: Any) -> Any:
        out = func(X, **kw_args)
        if type(out) is not np.ndarray:
            return step.transform(X)  # frames get column-name checks from sklearn
        return out

    return run


def _imputer_kernel(step: SimpleImputer) -> Kernel | None:
    """NaN replaced by ``statistics_``, for dense float64 input or object input with a constant."""
    if step.add_indicator or not step.copy or not _is_nan(step.missing_values):
        return None
    stats = step.statistics_
    if stats.ndim != 1 or len(stats) != step.n_features_in_ or step._fill_dtype != step._fit_dtype:
        return None
    names = list(getattr(step, "feature_names_in_", ())) or None
    if step._fit_dtype == _FLOAT64 and stats.dtype == _FLOAT64 and step.strategy != "constant":
        if np.isnan(stats).any():  # features dropped or kept empty: sklearn's own branch
            return None
        return _numeric_imputer(step, stats, names)
    if step._fit_dtype.kind == "O" and stats.dtype.kind == "O" and step.strategy == "constant":
        if names is not None or any(type(v) is not str for v in stats):
            return None
        return _object_imputer(step, stats)
    return None


def _numeric_imputer(step: SimpleImputer, stats: np.ndarray, names: list[str] | None) -> Kernel:
    width = len(stats)

    def run(X: Any) -> Any:
        if isinstance(X, pd.DataFrame):
            plain = names is not None and list(X.columns) == names and all(_is_float64(d) for d in X.dtypes)
            values = X.to_numpy(dtype=np.float64, copy=True) if plain else None
        else:
            plain = names is None and type(X) is np.ndarray and _is_float64(X.dtype)
            values = np.array(X, dtype=np.float64, copy=True) if plain else None
        if values is None or values.ndim != 2 or values.shape[1] != width or not len(values):
            return step.transform(X)
        if np.isinf(values).any():
            return step.transform(X)  # sklearn refuses infinity
        np.copyto(values, stats, where=np.isnan(values))
        return values

    return run


def _object_imputer(step: SimpleImputer, stats: np.ndarray) -> Kernel:
    width = len(stats)

    def run(X: Any) -> Any:
        if type(X) is not np.ndarray or X.dtype.kind != "O" or X.ndim != 2 or X.shape[1] != width:
            return step.transform(X)
        if not len(X):
            return step.transform(X)
        values = X.copy()
        np.copyto(values, stats, where=values != values)  # sklearn's object NaN test
        return values

    return run


def _one_hot_kernel(step: OneHotEncoder) -> Kernel | None:
    """``handle_unknown='ignore'``, no drop, no infrequent grouping, dense float64: one-hot, unknown zeros."""
    plain = (
        step.handle_unknown == "ignore"
        and step.drop is None
        and step.drop_idx_ is None
        and not step.sparse_output
        and step.dtype is np.float64
        and step.min_frequency is None
        and step.max_categories is None
        and not step._infrequent_enabled
        and not hasattr(step, "feature_names_in_")
    )
    if not plain or list(step._n_features_outs) != [len(c) for c in step.categories_]:
        return None
    lookups: list[dict[str, int]] = []
    offset = 0
    for categories in step.categories_:
        if any(type(c) is not str for c in categories):
            return None
        lookups.append({c: offset + i for i, c in enumerate(categories)})
        offset += len(categories)
    width = offset

    def run(X: Any) -> Any:
        if type(X) is not np.ndarray or X.dtype.kind != "O" or X.ndim != 2 or X.shape[1] != len(lookups):
            return step.transform(X)
        if not len(X):
            return step.transform(X)
        out = np.zeros((len(X), width), dtype=np.float64)
        for row, values in enumerate(X.tolist()):
            for value, lookup in zip(values, lookups, strict=True):
                if type(value) is not str:
                    return step.transform(X)
                column = lookup.get(value)
                if column is not None:
                    out[row, column] = 1.0
        return out

    return run


def _boosting_kernel(model: Any, method: str) -> Kernel | None:
    """Every tree walked at once over stacked node arrays, summed in sklearn's order, then its link."""
    regressor = type(model) is HistGradientBoostingRegressor and method == "predict"
    classifier = type(model) is HistGradientBoostingClassifier and method == "predict_proba"
    if not (regressor or classifier) or not hasattr(model, "_predictors"):
        return None
    if model._preprocessor is not None or model.is_categorical_ is not None:
        return None
    if hasattr(model, "feature_names_in_") or getattr(model, "_in_fit", False):
        return None
    per_iteration = model.n_trees_per_iteration_
    baseline = np.asarray(model._baseline_prediction)
    if baseline.dtype != _FLOAT64 or baseline.shape != (1, per_iteration):
        return None
    if classifier and per_iteration != 1 and len(model.classes_) != per_iteration:
        return None
    features, thresholds, go_left, lefts, rights, values, roots = [], [], [], [], [], [], []
    depth, offset = 0, 0
    for iteration in model._predictors:
        if len(iteration) != per_iteration:
            return None
        for predictor in iteration:
            nodes = predictor.nodes
            if nodes["is_categorical"].any():
                return None
            leaf = nodes["is_leaf"].astype(bool)
            own = np.arange(len(nodes), dtype=np.intp) + offset
            features.append(np.where(leaf, 0, nodes["feature_idx"]).astype(np.intp))
            thresholds.append(nodes["num_threshold"].astype(np.float64))
            go_left.append(nodes["missing_go_to_left"].astype(bool))
            lefts.append(np.where(leaf, own, nodes["left"].astype(np.intp) + offset))
            rights.append(np.where(leaf, own, nodes["right"].astype(np.intp) + offset))
            values.append(nodes["value"].astype(np.float64))
            roots.append(offset)
            depth = max(depth, int(nodes["depth"].max()))
            offset += len(nodes)
    if not roots:
        return None
    feature, threshold = np.concatenate(features), np.concatenate(thresholds)
    missing_left = np.concatenate(go_left)
    left, right, value = np.concatenate(lefts), np.concatenate(rights), np.concatenate(values)
    if feature.max() >= model.n_features_in_:
        return None
    root = np.asarray(roots, dtype=np.intp)[:, None]
    n_features = model.n_features_in_
    fallback = getattr(model, method)
    loss = model._loss

    def run(X: Any) -> Any:
        if type(X) is not np.ndarray or X.dtype != _FLOAT64 or X.ndim != 2 or X.shape[1] != n_features:
            return fallback(X)
        if not len(X):
            return fallback(X)
        rows = np.arange(len(X))[None, :]
        node = np.repeat(root, len(X), axis=1)  # (trees, rows)
        for _ in range(depth):
            data = X[rows, feature[node]]
            left_turn = np.where(np.isnan(data), missing_left[node], data <= threshold[node])
            node = np.where(left_turn, left[node], right[node])
        leaves = value[node].reshape(-1, per_iteration, len(X))  # (iterations, k, rows)
        raw = np.zeros((len(X), per_iteration), dtype=np.float64, order="F")
        raw += baseline
        # accumulate adds in tree order, as sklearn's ``raw_predictions[:, k] += predict(X)`` does
        summed = np.add.accumulate(np.concatenate([raw.T[None], leaves]), axis=0)[-1]
        raw = np.asfortranarray(summed.T)
        if classifier:
            return loss.predict_proba(raw)
        return loss.link.inverse(raw.ravel())

    return run


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _is_float64(dtype: Any) -> bool:
    return isinstance(dtype, np.dtype) and dtype == _FLOAT64 and dtype.isnative
