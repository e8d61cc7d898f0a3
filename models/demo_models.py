"""The demo's churn classifier and revenue regressor: picklable pipelines over raw feature columns.

The portal sends raw feature frames (numbers, category strings, dates as datetime64 or ISO strings),
so all cleaning lives inside the pipelines and only module-level functions are used, for joblib.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

from models.demo_data import CATEGORICAL_COLUMNS, DATE_COLUMNS, FEATURE_COLUMNS, NUMERIC_COLUMNS

MISSING_CATEGORY = "missing"
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
_ONE_DAY = pd.Timedelta(days=1)
_BOOSTING = {"max_iter": 150, "learning_rate": 0.1, "random_state": 0, "early_stopping": False}


def _as_frame(values: pd.DataFrame | np.ndarray) -> pd.DataFrame:
    if isinstance(values, pd.DataFrame):
        return values
    return pd.DataFrame(np.asarray(values, dtype=object))


def categories_as_object(values: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Object array with every kind of missing (None, pd.NA, NaN) as NaN, so imputation sees it."""
    out = np.asarray(_as_frame(values).astype(object), dtype=object).copy()
    out[pd.isna(out)] = np.nan
    return out


def dates_to_days(values: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 (UTC) as float; accepts datetime64 or ISO strings, NaN when missing."""
    frame = _as_frame(values)
    out = np.empty(frame.shape, dtype=np.float64)
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if not pd.api.types.is_datetime64_any_dtype(column):
            column = column.astype(object).where(column.notna(), None)
            column = pd.to_datetime(column, errors="coerce", utc=True, format="ISO8601")
        else:
            column = pd.to_datetime(column, utc=True)
        days = (column - _EPOCH) / _ONE_DAY
        out[:, position] = days.to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def feature_preprocessor(frame_columns: Sequence[str] | None = None) -> ColumnTransformer:
    """Impute and encode the demo features present in ``frame_columns`` (all of them by default)."""
    present = set(FEATURE_COLUMNS if frame_columns is None else frame_columns)
    numeric = [c for c in NUMERIC_COLUMNS if c in present]
    categorical = [c for c in CATEGORICAL_COLUMNS if c in present]
    dates = [c for c in DATE_COLUMNS if c in present]
    if not numeric + categorical + dates:
        expected = ", ".join(FEATURE_COLUMNS)
        raise ValueError(f"none of the columns are demo features; expected some of: {expected}")
    transformers = []
    if numeric:
        transformers.append(("numeric", SimpleImputer(strategy="median"), numeric))
    if categorical:
        encode = Pipeline(
            [
                (
                    "as_object",
                    FunctionTransformer(categories_as_object, feature_names_out="one-to-one"),
                ),
                ("impute", SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY)),
                ("one_hot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
            ]
        )
        transformers.append(("categorical", encode, categorical))
    if dates:
        days = Pipeline(
            [
                ("days", FunctionTransformer(dates_to_days, feature_names_out="one-to-one")),
                ("impute", SimpleImputer(strategy="median")),
            ]
        )
        transformers.append(("date", days, dates))
    return ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0)


def build_classifier() -> Pipeline:
    """Unfitted churn pipeline; fit it on a frame of exactly ``FEATURE_COLUMNS``."""
    return Pipeline(
        [
            ("preprocess", feature_preprocessor()),
            ("model", HistGradientBoostingClassifier(**_BOOSTING)),
        ]
    )


def build_regressor() -> Pipeline:
    """Unfitted next-quarter-revenue pipeline; fit it on a frame of exactly ``FEATURE_COLUMNS``."""
    return Pipeline(
        [
            ("preprocess", feature_preprocessor()),
            ("model", HistGradientBoostingRegressor(**_BOOSTING)),
        ]
    )
