"""The demo data is seeded, well-typed and drifts as documented; its pipelines learn and pickle."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from models import demo_data, demo_models
from models.demo_data import (
    CATEGORICAL_COLUMNS,
    CLASSIFICATION_TARGET,
    DATE_COLUMNS,
    FEATURE_COLUMNS,
    ID_COLUMN,
    NUMERIC_COLUMNS,
    REGRESSION_TARGET,
    TIME_COLUMN,
    generate_churn_data,
)

ROWS = 5000
SEED = 42
FEATURES = list(FEATURE_COLUMNS)
Split = tuple[pd.DataFrame, pd.DataFrame]
Fitted = dict[str, Pipeline]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return generate_churn_data(rows=ROWS, seed=SEED)


@pytest.fixture(scope="module")
def split(frame: pd.DataFrame) -> Split:
    train, test = train_test_split(
        frame, test_size=0.3, random_state=0, stratify=frame[CLASSIFICATION_TARGET]
    )
    return train.reset_index(drop=True), test.reset_index(drop=True)


@pytest.fixture(scope="module")
def fitted(split: Split) -> Fitted:
    train, _ = split
    classifier = demo_models.build_classifier().fit(train[FEATURES], train[CLASSIFICATION_TARGET])
    regressor = demo_models.build_regressor().fit(train[FEATURES], train[REGRESSION_TARGET])
    return {"churn": classifier, "revenue": regressor}


def recent_mask(frame: pd.DataFrame) -> pd.Series:
    months = np.sort(frame[TIME_COLUMN].unique())
    return frame[TIME_COLUMN] >= months[-demo_data.RECENT_MONTHS]


def predictions(pipeline: Pipeline, features: pd.DataFrame) -> np.ndarray:
    if hasattr(pipeline, "predict_proba"):
        return pipeline.predict_proba(features)
    return pipeline.predict(features)


def assert_same_predictions(fitted: Fitted, left: pd.DataFrame, right: pd.DataFrame) -> None:
    for pipeline in fitted.values():
        np.testing.assert_array_equal(predictions(pipeline, left), predictions(pipeline, right))


def test_same_seed_gives_the_same_frame(frame: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(generate_churn_data(rows=ROWS, seed=SEED), frame)


def test_another_seed_gives_other_data(frame: pd.DataFrame) -> None:
    other = generate_churn_data(rows=ROWS, seed=SEED + 1)
    assert list(other.columns) == list(frame.columns)
    # Ids and months are positional; the sampled values are not.
    assert other[ID_COLUMN].equals(frame[ID_COLUMN])
    assert not other["monthly_charges"].equals(frame["monthly_charges"])
    assert not other[CLASSIFICATION_TARGET].equals(frame[CLASSIFICATION_TARGET])


def test_draws_do_not_line_up_with_a_split_on_the_same_seed(frame: pd.DataFrame) -> None:
    # models.demo splits rows with default_rng(seed); a shared stream would make the hold-out
    # all basic-plan customers.
    holdout = np.random.default_rng(SEED).random(len(frame)) < 0.3
    basic = frame["plan"] == "basic"
    assert abs(basic[holdout].mean() - basic.mean()) < 0.05


def test_columns_and_dtypes(frame: pd.DataFrame) -> None:
    assert len(frame) == ROWS
    expected = [ID_COLUMN, TIME_COLUMN, *FEATURES, CLASSIFICATION_TARGET, REGRESSION_TARGET]
    assert list(frame.columns) == expected
    assert len(FEATURE_COLUMNS) == len(set(FEATURE_COLUMNS)) == 21
    not_features = {ID_COLUMN, TIME_COLUMN, CLASSIFICATION_TARGET, REGRESSION_TARGET}
    assert not not_features & set(FEATURE_COLUMNS)
    for column in NUMERIC_COLUMNS:
        assert frame[column].dtype in (np.dtype("float64"), np.dtype("int64")), column
    for column in (ID_COLUMN, *CATEGORICAL_COLUMNS):
        assert frame[column].dtype == np.dtype(object), column
        assert all(type(value) is str for value in frame[column].dropna()), column
    for column in (TIME_COLUMN, *DATE_COLUMNS):
        assert frame[column].dtype == np.dtype("datetime64[ns]"), column
    assert frame[CLASSIFICATION_TARGET].dtype == np.dtype("int64")
    assert set(frame[CLASSIFICATION_TARGET].unique()) == {0, 1}
    assert frame[REGRESSION_TARGET].dtype == np.dtype("float64")
    assert (frame[REGRESSION_TARGET] >= 0).all()


def test_category_values(frame: pd.DataFrame) -> None:
    assert set(frame["plan"]) == {"basic", "standard", "premium", "enterprise"}
    assert set(frame["region"]) == {"north", "south", "east", "west", "central"}
    assert set(frame["contract"]) == {"monthly", "annual", "two_year"}
    assert set(frame["payment_method"]) == {"card", "bank_transfer", "invoice", "paypal"}
    assert set(frame["has_autopay"]) == {"yes", "no"}


def test_snapshot_months_are_month_starts_spread_evenly(frame: pd.DataFrame) -> None:
    counts = frame[TIME_COLUMN].value_counts().sort_index()
    assert list(counts.index) == list(pd.date_range(end="2026-10-01", periods=12, freq="MS"))
    assert counts.max() - counts.min() <= 1
    assert (frame["signup_date"] < frame[TIME_COLUMN]).all()
    other = generate_churn_data(rows=1000, months=3, end_month="2024-02")
    assert sorted(other[TIME_COLUMN].unique()) == list(
        pd.to_datetime(["2023-12-01", "2024-01-01", "2024-02-01"])
    )


def test_missing_values_where_documented(frame: pd.DataFrame) -> None:
    missing = frame.isna().mean()
    assert 0.05 < missing["nps_score"] < 0.11
    assert 0.015 < missing["avg_session_minutes"] < 0.05
    assert 0.008 < missing["data_usage_gb"] < 0.035
    assert 0.02 < missing["acquisition_channel"] < 0.06
    gappy = {"nps_score", "avg_session_minutes", "data_usage_gb", "acquisition_channel"}
    assert set(missing[missing > 0].index) == gappy


def test_ids_are_unique_and_well_formed(frame: pd.DataFrame) -> None:
    ids = frame[ID_COLUMN]
    assert ids.is_unique
    assert ids.str.fullmatch(r"C\d{7}").all()
    assert ids.iloc[0] == "C0000001"


def test_base_churn_rate_and_relationships(frame: pd.DataFrame) -> None:
    stable = frame[~recent_mask(frame)]
    assert 0.15 <= stable[CLASSIFICATION_TARGET].mean() <= 0.25
    by_contract = stable.groupby("contract")[CLASSIFICATION_TARGET].mean()
    assert by_contract["monthly"] > by_contract["annual"] > by_contract["two_year"]
    by_autopay = stable.groupby("has_autopay")[CLASSIFICATION_TARGET].mean()
    assert by_autopay["no"] > by_autopay["yes"]
    churned = stable[CLASSIFICATION_TARGET] == 1
    by_churn = stable.groupby(churned)[["support_tickets_90d", "tenure_months"]].mean()
    assert by_churn.loc[True, "support_tickets_90d"] > by_churn.loc[False, "support_tickets_90d"]
    assert by_churn.loc[True, "tenure_months"] < by_churn.loc[False, "tenure_months"]
    revenue = stable.groupby("plan")[REGRESSION_TARGET].mean()
    assert revenue["basic"] < revenue["standard"] < revenue["premium"] < revenue["enterprise"]


def test_recent_months_are_shifted(frame: pd.DataFrame) -> None:
    recent = recent_mask(frame)
    assert recent.mean() == pytest.approx(0.25, abs=0.01)
    before, after = frame[~recent], frame[recent]
    assert after["monthly_charges"].mean() > 1.05 * before["monthly_charges"].mean()
    # Within each plan the price rise is clear even on few rows (the plan mix adds noise overall).
    by_plan = frame.groupby(["plan", recent])["monthly_charges"].mean().unstack()
    assert (by_plan[True] > 1.10 * by_plan[False]).all()
    assert after[CLASSIFICATION_TARGET].mean() > before[CLASSIFICATION_TARGET].mean() + 0.05
    assert after["support_tickets_90d"].mean() > before["support_tickets_90d"].mean()
    monthly_share = (frame["contract"] == "monthly").groupby(recent).mean()
    assert monthly_share[True] > monthly_share[False] + 0.05
    south_share = (frame["region"] == "south").groupby(recent).mean()
    assert south_share[True] > south_share[False] + 0.05


def test_shift_is_clear_on_more_rows() -> None:
    frame = generate_churn_data(rows=50_000)
    recent = recent_mask(frame)
    charges = frame.groupby(recent)["monthly_charges"].mean()
    assert charges[True] > 1.10 * charges[False]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rows": 99}, "rows"),
        ({"rows": 0}, "rows"),
        ({"rows": 1000.0}, "rows"),
        ({"months": 0}, "months"),
        ({"months": -3}, "months"),
        ({"end_month": "not a month"}, "end_month"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_raise(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_churn_data(**kwargs)  # type: ignore[arg-type]


def test_pipelines_are_fitted_on_the_feature_columns(fitted: Fitted) -> None:
    for pipeline in fitted.values():
        assert list(pipeline.feature_names_in_) == FEATURES
        assert len(pipeline[:-1].get_feature_names_out()) > len(FEATURES)


def test_classifier_quality(fitted: Fitted, split: Split) -> None:
    _, test = split
    proba = fitted["churn"].predict_proba(test[FEATURES])[:, 1]
    assert roc_auc_score(test[CLASSIFICATION_TARGET], proba) > 0.7


def test_regressor_quality(fitted: Fitted, split: Split) -> None:
    _, test = split
    predicted = fitted["revenue"].predict(test[FEATURES])
    assert r2_score(test[REGRESSION_TARGET], predicted) > 0.5


def test_joblib_round_trip_predicts_the_same(fitted: Fitted, split: Split, tmp_path: Path) -> None:
    _, test = split
    for name, pipeline in fitted.items():
        path = tmp_path / f"{name}.joblib"
        joblib.dump(pipeline, path)
        loaded = joblib.load(path)
        np.testing.assert_array_equal(
            predictions(loaded, test[FEATURES]), predictions(pipeline, test[FEATURES])
        )


def test_iso_string_dates_predict_like_datetimes(fitted: Fitted, split: Split) -> None:
    _, test = split
    features = test[FEATURES]
    iso = features["signup_date"].dt.strftime("%Y-%m-%d").astype(object)
    assert_same_predictions(fitted, features.assign(signup_date=iso), features)


def test_missing_and_unseen_inputs_are_handled(fitted: Fitted, split: Split) -> None:
    _, test = split
    features = test[FEATURES].head(20).copy()
    features["signup_date"] = features["signup_date"].astype(object)
    features.loc[features.index[:5], "signup_date"] = None
    features.loc[features.index[5:10], "plan"] = "platinum"
    features.loc[features.index[10:15], "region"] = None
    features.loc[features.index[15:], list(NUMERIC_COLUMNS)] = np.nan
    for pipeline in fitted.values():
        assert np.isfinite(predictions(pipeline, features)).all()


def test_pandas_string_categories_predict_like_object(fitted: Fitted, split: Split) -> None:
    _, test = split
    features = test[FEATURES]
    as_str = features.astype({column: "str" for column in CATEGORICAL_COLUMNS})
    assert_same_predictions(fitted, as_str, features)


def test_feature_preprocessor_keeps_only_known_columns() -> None:
    transformer = demo_models.feature_preprocessor(["plan", "seats", "signup_date", "unknown"])
    selected = {name: list(columns) for name, _, columns in transformer.transformers}
    assert selected == {"numeric": ["seats"], "categorical": ["plan"], "date": ["signup_date"]}
    with pytest.raises(ValueError, match="demo features"):
        demo_models.feature_preprocessor(["unknown"])
