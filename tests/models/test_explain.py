"""Sampled Shapley explanations: additive, reproducible, true to the model and to a known one, cached."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from flask import Flask
from flask_caching import Cache
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from models import caching
from models.explain import Explanation, explain, explain_uncached
from models.registry import LoadedModel, ModelRegistry
from models.training import register_fitted

PERMUTATIONS = 48
TOY_SLOPE = 3.0


@pytest.fixture(scope="module")
def churn(demo_models_dir: Path) -> tuple[LoadedModel, pd.DataFrame]:
    """The demo churn classifier and its reference data (read-only, shared by the module)."""
    registry = ModelRegistry(demo_models_dir / "models")
    loaded = registry.load("churn")
    return loaded, registry.reference("churn", loaded.number)


def churn_rows(reference: pd.DataFrame, features: list[str]) -> list[int]:
    """A few complete rows and a few with missing values, which take other pipeline branches."""
    incomplete = np.flatnonzero(reference[features].isna().any(axis=1).to_numpy())
    assert len(incomplete) >= 2, "the demo data should contain rows with missing values"
    return [0, 1, 2, *incomplete[:2].tolist()]


@pytest.fixture()
def toy(tmp_path: Path) -> tuple[ModelRegistry, LoadedModel, pd.DataFrame]:
    """A linear regression fitted on y = 3*a + 0*b + small noise, registered as "toy"."""
    rng = np.random.default_rng(11)
    rows = 400
    frame = pd.DataFrame({"a": rng.normal(2.0, 1.5, rows), "b": rng.normal(-1.0, 4.0, rows)})
    frame["y"] = TOY_SLOPE * frame["a"] + 0.0 * frame["b"] + rng.normal(0.0, 0.01, rows)
    pipeline = Pipeline([("scale", StandardScaler()), ("linear", LinearRegression())])
    pipeline.fit(frame[["a", "b"]], frame["y"])
    registry = ModelRegistry(tmp_path / "models")
    record = register_fitted(registry, "toy", pipeline, frame, "y")
    loaded = registry.load("toy", record.version)
    assert loaded.version.feature_names == ["a", "b"] and loaded.version.task == "regression"
    return registry, loaded, registry.reference("toy", record.version)


def test_exp001_churn_contributions_sum_to_value_minus_base(churn: tuple[LoadedModel, pd.DataFrame]) -> None:
    loaded, reference = churn
    features = loaded.version.feature_names
    for index in churn_rows(reference, features):
        result = explain_uncached(loaded, reference.iloc[[index]], reference, PERMUTATIONS, seed=0)
        assert list(result.contributions) == features
        assert (result.model, result.version) == ("churn", loaded.number)
        total = sum(result.contributions.values())
        assert total == pytest.approx(result.value - result.base_value, abs=1e-6), index
        assert 0.0 <= result.base_value <= 1.0 and 0.0 <= result.value <= 1.0
        assert result.ranked()[0][0] in features


def test_exp002_same_seed_same_explanation_and_inputs_untouched(
    churn: tuple[LoadedModel, pd.DataFrame],
) -> None:
    loaded, reference = churn
    row = reference.iloc[[3]]
    reference_before, row_before = reference.copy(), row.copy()
    first = explain_uncached(loaded, row, reference, PERMUTATIONS, seed=5)
    again = explain_uncached(loaded, row, reference, PERMUTATIONS, seed=5)
    assert again == first
    other_seed = explain_uncached(loaded, row, reference, PERMUTATIONS, seed=6)
    assert other_seed.contributions != first.contributions
    assert other_seed.value == first.value
    pd.testing.assert_frame_equal(reference, reference_before)
    pd.testing.assert_frame_equal(row, row_before)


def test_exp003_value_is_the_models_positive_class_probability(
    churn: tuple[LoadedModel, pd.DataFrame],
) -> None:
    loaded, reference = churn
    features = loaded.version.feature_names
    for index in churn_rows(reference, features):
        row = reference.iloc[[index]]
        result = explain_uncached(loaded, row, reference, PERMUTATIONS, seed=1)
        expected = loaded.estimator.predict_proba(row[features])[:, -1][0]
        assert result.value == pytest.approx(float(expected), abs=1e-12), index


def test_exp004_linear_model_contribution_is_slope_times_distance_from_background(
    toy: tuple[ModelRegistry, LoadedModel, pd.DataFrame],
) -> None:
    _, loaded, reference = toy
    # Every background row has the same a (its mean), while b varies as in the reference.
    mean_a = float(reference["a"].mean())
    background = reference.assign(a=mean_a)
    row = pd.DataFrame({"a": [5.5], "b": [12.0]})
    result = explain_uncached(loaded, row, background, PERMUTATIONS, seed=0)
    assert result.contributions["a"] == pytest.approx(TOY_SLOPE * (5.5 - mean_a), abs=0.01)
    assert abs(result.contributions["b"]) < 0.02, "the model ignores b, so b explains nothing"
    assert sum(result.contributions.values()) == pytest.approx(result.value - result.base_value, abs=1e-9)
    assert result.value == pytest.approx(float(loaded.estimator.predict(row)[0]), abs=1e-12)


def test_exp005_linear_model_over_the_registered_background(
    toy: tuple[ModelRegistry, LoadedModel, pd.DataFrame],
) -> None:
    registry, _, reference = toy
    low = pd.DataFrame({"a": [0.5], "b": [-9.0]})
    high = low.assign(a=4.5)
    # No cache: the background is sampled from the registered reference, the same for both rows.
    low_result = explain(registry, None, "toy", low, seed=2)
    high_result = explain(registry, None, "toy", high, seed=2)
    assert high_result.base_value == low_result.base_value
    gap = high_result.contributions["a"] - low_result.contributions["a"]
    assert gap == pytest.approx(TOY_SLOPE * (4.5 - 0.5), abs=0.01)
    for result, a in ((low_result, 0.5), (high_result, 4.5)):
        assert abs(result.contributions["b"]) < 0.02
        # a's contribution is 3 * (a - mean a of the sampled background rows).
        background_mean_a = a - result.contributions["a"] / TOY_SLOPE
        assert reference["a"].quantile(0.25) < background_mean_a < reference["a"].quantile(0.75)
        total = sum(result.contributions.values())
        assert total == pytest.approx(result.value - result.base_value, abs=1e-9)


def _count(result: str) -> float:
    return caching.CACHE_REQUESTS.labels("inference", result)._value.get()


def test_exp006_explain_is_served_from_the_cache_the_second_time(demo_models_dir: Path) -> None:
    registry = ModelRegistry(demo_models_dir / "models")
    row = registry.reference("churn", registry.active_version("churn")).iloc[[7]]
    app = Flask(__name__)
    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})
    with app.app_context():
        hits, misses = _count("hit"), _count("miss")
        first = explain(registry, cache, "churn", row)
        assert (_count("hit"), _count("miss")) == (hits, misses + 1)
        second = explain(registry, cache, "churn", row)
        assert _count("hit") == hits + 1
        assert isinstance(second, Explanation)
        assert second == first
        assert explain(registry, None, "churn", row) == first, "cached and uncached must agree"
        # The seed is part of the key: another seed is computed, not served from the cache.
        explain(registry, cache, "churn", row, seed=1)
        assert (_count("hit"), _count("miss")) == (hits + 1, misses + 2)
