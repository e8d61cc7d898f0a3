"""Performance estimated without labels, for regressors: direct loss estimation (DLE).

Two gradient-boosted models learn, on the reference data, the absolute and the squared error of the
model from its inputs and its prediction. On new rows their predictions, averaged, estimate MAE and
(square root) RMSE. Like CBPE this assumes P(y|x) is as on the reference: under concept shift the
loss models have never seen the new errors.

Rows are summarised as mergeable sums (rows, sum of estimated absolute error, sum of estimated
squared error), so periods are computed once and combine exactly.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

from models.estimation import MIN_ROWS, Estimate, chunk_unit_sd, standard_errors
from models.schema import CATEGORICAL, DATETIME, FeatureSpec

REGRESSOR_METRICS = ("mae", "rmse")
PREDICTION = "__prediction__"


@dataclasses.dataclass(frozen=True)
class LossSums:
    """Rows and summed estimated absolute and squared errors of some predictions."""

    rows: int = 0
    abs_error: float = 0.0
    squared_error: float = 0.0

    def __add__(self, other: LossSums) -> LossSums:
        return LossSums(
            self.rows + other.rows,
            self.abs_error + other.abs_error,
            self.squared_error + other.squared_error,
        )


def loss_frame(features: pd.DataFrame, predicted: np.ndarray, specs: list[FeatureSpec]) -> pd.DataFrame:
    """The loss models' inputs: numeric features, categories as pandas categoricals, the prediction."""
    columns: dict[str, Any] = {}
    for spec in specs:
        values = features[spec.name] if spec.name in features else pd.Series(np.nan, index=features.index)
        if spec.kind == CATEGORICAL:
            known = [str(c) for c in (spec.categories or [])]
            text = values.astype(object).where(values.notna(), None)
            text = text.map(lambda v: None if v is None else str(v))
            columns[spec.name] = pd.Categorical(text, categories=known)
        elif spec.kind == DATETIME:
            continue
        else:
            columns[spec.name] = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    columns[PREDICTION] = np.asarray(predicted, dtype=float)
    return pd.DataFrame(columns, index=features.index)


def _booster(seed: int) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(
        max_iter=200, learning_rate=0.05, categorical_features="from_dtype", random_state=seed
    )


@dataclasses.dataclass(frozen=True)
class DLE:
    """Loss models fitted on one regressor version's reference data, and the reference sampling noise."""

    specs: list[FeatureSpec]
    abs_model: Any
    squared_model: Any
    unit_sd: dict[str, float]
    reference_metrics: dict[str, float]
    reference_rows: int

    def row_losses(self, features: pd.DataFrame, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row's estimated absolute and squared error; NaN where the prediction is not finite."""
        predicted = np.asarray(predicted, dtype=float)
        keep = np.isfinite(predicted)
        absolute, squared = np.full(len(predicted), np.nan), np.full(len(predicted), np.nan)
        if keep.any():
            frame = loss_frame(features[keep], predicted[keep], self.specs)
            absolute[keep] = np.clip(self.abs_model.predict(frame), 0.0, None)
            squared[keep] = np.clip(self.squared_model.predict(frame), 0.0, None)
        return absolute, squared

    def sums(self, features: pd.DataFrame, predicted: np.ndarray) -> LossSums:
        """The estimated-loss sums of some rows (rows without a finite prediction are left out)."""
        absolute, squared = self.row_losses(features, predicted)
        keep = np.isfinite(absolute)
        return LossSums(int(keep.sum()), float(absolute[keep].sum()), float(squared[keep].sum()))

    def estimate(self, sums: LossSums) -> Estimate:
        """Estimated MAE and RMSE of the summed rows; none below ``MIN_ROWS`` rows."""
        if sums.rows < MIN_ROWS:
            return Estimate(sums.rows, {}, {})
        metrics = {
            "mae": sums.abs_error / sums.rows,
            "rmse": math.sqrt(sums.squared_error / sums.rows),
        }
        return Estimate(sums.rows, metrics, standard_errors(self.unit_sd, sums.rows))


def fit_dle(
    features: pd.DataFrame, predicted: np.ndarray, actual: np.ndarray, specs: list[FeatureSpec], seed: int = 0
) -> DLE:
    """Fit both loss models on reference rows with known outcomes; ValueError when too few."""
    predicted = np.asarray(predicted, dtype=float)
    actual = np.asarray(actual, dtype=float)
    keep = np.isfinite(predicted) & np.isfinite(actual)
    if keep.sum() < 2 * MIN_ROWS:
        raise ValueError(
            f"the reference has {int(keep.sum())} scored rows; DLE needs at least {2 * MIN_ROWS}"
        )
    features = features[keep].reset_index(drop=True)
    predicted, actual = predicted[keep], actual[keep]
    frame = loss_frame(features, predicted, specs)
    error = predicted - actual
    abs_model = _booster(seed).fit(frame, np.abs(error))
    squared_model = _booster(seed).fit(frame, error**2)

    def realized(rows: np.ndarray) -> dict[str, float]:
        return {"mae": float(np.mean(np.abs(error[rows]))), "rmse": float(np.sqrt(np.mean(error[rows] ** 2)))}

    unit_sd = chunk_unit_sd(len(error), realized, seed)
    return DLE(specs, abs_model, squared_model, unit_sd, realized(np.arange(len(error))), len(error))
