"""Drift statistics against scipy on known distributions, the test choice rules, and the demo's shift."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from models import demo_data, drift
from models.drift_thresholds import DriftThresholds

RNG = np.random.default_rng(11)


def _without_zeros(shares: np.ndarray) -> np.ndarray:
    """Empty bins get a tiny share, as the documented PSI does, so the logarithm stays finite."""
    smallest = shares[shares > 0].min()
    return np.where(shares == 0, smallest / 1e6 if smallest <= 1e-4 else 1e-4, shares)


def _sturges_shares(reference: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    edges = np.histogram_bin_edges(np.concatenate([reference, current]), bins="sturges")
    return (
        _without_zeros(np.histogram(reference, edges)[0] / len(reference)),
        _without_zeros(np.histogram(current, edges)[0] / len(current)),
    )


def test_dft001_identical_data_never_drifts() -> None:
    numbers = RNG.normal(size=5000)
    labels = RNG.choice(["a", "b", "c"], size=5000)
    frame = pd.DataFrame({"x": numbers, "k": labels, "flag": RNG.integers(0, 2, 5000)})
    kinds = {"x": drift.NUMERIC, "k": drift.CATEGORICAL, "flag": drift.NUMERIC}
    for reference_rows in (5000, 800):
        reference = frame.head(reference_rows)
        result = drift.dataset_drift(reference, reference.copy(), kinds)
        assert result.drifted_features == [] and not result.drifted
        assert all(abs(f.psi) < 1e-9 for f in result.features)


def test_dft002_wasserstein_matches_scipy_normed_by_reference_std() -> None:
    reference, current = RNG.normal(0, 2, 20_000), RNG.normal(0.5, 2.5, 7_000)
    found = drift.numeric_drift("x", reference, current)
    expected = stats.wasserstein_distance(reference, current) / np.std(reference)
    assert found.test == "wasserstein"
    assert found.statistic == pytest.approx(expected, rel=1e-9)
    assert found.drifted == (expected >= 0.1)
    ref_shares, cur_shares = _sturges_shares(reference, current)
    psi = np.sum((ref_shares - cur_shares) * np.log(ref_shares / cur_shares))
    assert found.psi == pytest.approx(psi, rel=1e-9)


def test_dft003_small_reference_uses_ks_like_scipy() -> None:
    reference, current = RNG.normal(size=600), RNG.normal(0.3, 1, 3_000)
    found = drift.numeric_drift("x", reference, current)
    assert found.test == "ks"
    assert found.statistic == pytest.approx(stats.ks_2samp(reference, current).pvalue)
    assert found.drifted


def test_dft004_categorical_tests_match_scipy() -> None:
    reference = RNG.choice(["a", "b", "c", "d"], size=50_000, p=[0.4, 0.3, 0.2, 0.1])
    current = RNG.choice(["a", "b", "c", "d", "e"], size=20_000, p=[0.25, 0.25, 0.25, 0.2, 0.05])
    large = drift.categorical_drift("k", reference, current)
    keys = sorted(set(reference) | set(current))
    ref_shares = np.array([np.mean(reference == k) for k in keys])
    cur_shares = np.array([np.mean(current == k) for k in keys])
    assert large.test == "jensenshannon"
    assert large.statistic == pytest.approx(distance.jensenshannon(ref_shares, cur_shares))
    assert large.drifted
    small = drift.categorical_drift("k", reference[:900], current)
    ref_counts = np.array([np.sum(reference[:900] == k) for k in keys])
    cur_counts = np.array([np.sum(current == k) for k in keys])
    with np.errstate(divide="ignore"):
        expected = stats.chisquare(cur_counts, ref_counts * len(current) / 900).pvalue
    assert small.test == "chisquare"
    assert small.statistic == pytest.approx(expected) and small.drifted


def test_dft005_two_values_with_a_small_reference_use_the_z_test() -> None:
    reference = RNG.choice(["no", "yes"], size=900, p=[0.7, 0.3])
    current = RNG.choice(["no", "yes"], size=900, p=[0.5, 0.5])
    found = drift.categorical_drift("autopay", reference, current)
    p1, p2 = np.mean(reference == "yes"), np.mean(current == "yes")
    pooled = (p1 + p2) / 2
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (2 / 900))
    assert found.test == "z"
    assert found.statistic == pytest.approx(2 * (1 - stats.norm.cdf(abs(z))))
    assert found.drifted


def test_dft006_numeric_with_few_values_is_treated_as_categorical() -> None:
    reference = RNG.integers(0, 3, 5_000).astype(float)
    current = RNG.integers(0, 3, 5_000).astype(float)
    found = drift.numeric_drift("tickets", reference, current)
    assert found.test == "jensenshannon" and not found.drifted


def test_dft007_missing_values_are_left_out_and_empty_windows_do_not_count() -> None:
    reference = np.concatenate([RNG.normal(size=3000), [np.nan, np.inf]])
    found = drift.numeric_drift("x", reference, np.full(10, np.nan))
    assert found.test == "none" and not found.drifted and found.current_rows == 0
    result = drift.dataset_drift(
        pd.DataFrame({"x": reference}), pd.DataFrame({"x": np.full(10, np.nan)}), {"x": drift.NUMERIC}
    )
    assert result.drifted_share == 0.0 and not result.drifted


def test_dft008_the_demo_shift_is_found_and_stable_months_are_quiet() -> None:
    frame = demo_data.generate_churn_data(rows=60_000, seed=3)
    months = np.sort(frame[demo_data.TIME_COLUMN].unique())
    stable = frame[frame[demo_data.TIME_COLUMN] < months[-demo_data.RECENT_MONTHS - 1]]
    quiet = frame[frame[demo_data.TIME_COLUMN] == months[-demo_data.RECENT_MONTHS - 1]]
    shifted = frame[frame[demo_data.TIME_COLUMN] == months[-1]]
    kinds = {
        name: drift.CATEGORICAL if name in demo_data.CATEGORICAL_COLUMNS else drift.NUMERIC
        for name in demo_data.NUMERIC_COLUMNS + demo_data.CATEGORICAL_COLUMNS
    }
    found = drift.dataset_drift(stable, shifted, kinds)
    assert "monthly_charges" in found.drifted_features
    assert found.features[0].drifted, "most drifted first"
    assert drift.dataset_drift(stable, quiet, kinds).drifted_features == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"p_value": 0}, "out of range"),
        ({"p_value": 1.5}, "out of range"),
        ({"wasserstein": "high"}, "must be a number"),
        ({"psi": float("nan")}, "must be a number"),
        ({"small_reference": 10.5}, "whole number"),
        ({"drift_share": True}, "must be a number"),
        ({"nope": 1}, "unknown drift threshold 'nope'"),
        ({"min_rows": 0}, "whole number >= 1"),
        ({"min_rows": 2.5}, "whole number >= 1"),
        ({"min_rows": "100"}, "must be a number"),
        ({"multiple_testing": "bonferroni"}, "must be one of none, bh"),
        ({"multiple_testing": 1}, "must be one of none, bh"),
    ],
)
def test_dft009_bad_thresholds_are_refused_by_name(values: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DriftThresholds.from_mapping(values)


def test_dft010_custom_thresholds_change_the_verdict() -> None:
    reference, current = RNG.normal(0, 1, 10_000), RNG.normal(0.05, 1, 10_000)
    assert not drift.numeric_drift("x", reference, current).drifted
    strict = DriftThresholds.from_mapping({"wasserstein": 0.01})
    assert drift.numeric_drift("x", reference, current, strict).drifted


def _shifted_frames(current_rows: int, reference_rows: int = 5_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A reference and a window whose every feature is far off: drift, given enough rows."""
    reference = pd.DataFrame(
        {"x": RNG.normal(0, 1, reference_rows), "k": RNG.choice(["a", "b", "c"], reference_rows)}
    )
    current = pd.DataFrame({"x": RNG.normal(5, 1, current_rows), "k": ["c"] * current_rows})
    return reference, current


KINDS = {"x": drift.NUMERIC, "k": drift.CATEGORICAL}


def test_dft011_two_rows_are_not_enough_data_never_drift() -> None:
    reference, current = _shifted_frames(2)
    result = drift.dataset_drift(reference, current, KINDS)
    assert not result.enough and not result.drifted and result.status == drift.NOT_ENOUGH
    assert result.verdict == "Not enough data: 2 rows, needs 100"
    assert result.drifted_features == []
    assert {f.status for f in result.features} == {"not enough data"}
    assert all(math.isfinite(f.statistic) for f in result.features), "the statistic is still shown"
    assert result.sizes == "2 logged rows against 5,000 reference rows"
    table = result.table()
    assert set(table["status"]) == {"not enough data"} and not table["drifted"].any()


def test_dft012_the_minimum_is_per_model_and_counts_on_both_sides() -> None:
    reference, current = _shifted_frames(150)
    assert drift.dataset_drift(reference, current, KINDS).drifted, "150 rows >= the default 100"
    strict = DriftThresholds.from_mapping({"min_rows": 200})
    judged = drift.dataset_drift(reference, current, KINDS, strict)
    assert judged.verdict == "Not enough data: 150 rows, needs 200" and not judged.drifted
    lenient = DriftThresholds.from_mapping({"min_rows": 2})
    assert drift.dataset_drift(*_shifted_frames(2), KINDS, lenient).drifted
    small_reference, window = _shifted_frames(5_000, reference_rows=50)
    thin = drift.dataset_drift(small_reference, window, KINDS)
    assert not thin.enough and thin.verdict == "Not enough data: 50 rows, needs 100"


def test_dft013_a_feature_with_too_few_values_is_not_judged_but_the_rest_are() -> None:
    reference, current = _shifted_frames(500)
    current["x"] = [np.nan] * 450 + list(RNG.normal(5, 1, 50))
    result = drift.dataset_drift(reference, current, KINDS)
    by_name = {f.feature: f for f in result.features}
    assert by_name["x"].status == "not enough data" and by_name["x"].current_rows == 50
    assert by_name["k"].status == "drifted"
    assert result.enough and result.drifted_share == 1.0 and len(result.decided_features) == 1


def test_dft014_benjamini_hochberg_adjusts_p_values_like_scipy() -> None:
    rng = np.random.default_rng(5)
    features = {f"f{i}": drift.NUMERIC for i in range(20)}
    reference = pd.DataFrame({name: rng.normal(0, 1, 800) for name in features})
    # Two features shifted a little, the rest unchanged: per-feature p < 0.05 also flags chance ones.
    current = pd.DataFrame(
        {name: rng.normal(0.25 if i < 2 else 0.0, 1, 300) for i, name in enumerate(features)}
    )
    plain = drift.dataset_drift(reference, current, features)
    controlled = drift.dataset_drift(
        reference, current, features, DriftThresholds.from_mapping({"multiple_testing": "bh"})
    )
    raw = {f.feature: f.statistic for f in plain.features}
    names = sorted(raw)
    expected = stats.false_discovery_control([raw[n] for n in names], method="bh")
    adjusted = {f.feature: f.adjusted_p for f in controlled.features}
    assert [adjusted[n] for n in names] == pytest.approx(list(expected))
    assert all(math.isnan(f.adjusted_p) for f in plain.features), "off by default"
    assert set(controlled.drifted_features) == {n for n in names if adjusted[n] < 0.05}
    assert set(controlled.drifted_features) <= set(plain.drifted_features)
    assert len(controlled.drifted_features) < len(plain.drifted_features)
