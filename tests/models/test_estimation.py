"""Performance estimated without labels: CBPE and DLE against realized metrics and by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from models import estimation
from models.estimation import CBPE, ProbabilityBins, expected_metrics, fit_cbpe, realized_metrics
from models.estimation_dle import DLE, LossSums, fit_dle
from models.schema import FeatureSpec


def _simulated(rows: int, seed: int, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated probabilities (labels drawn from them): P(y|p) never changes, only P(p)."""
    rng = np.random.default_rng(seed)
    p = rng.beta(a, b, rows)
    return p, (rng.random(rows) < p).astype(int)


def _identity(threshold: float = 0.5) -> CBPE:
    return CBPE(threshold, np.array([]), np.array([]), {}, {}, 0)


def test_est001_cbpe_tracks_realized_metrics_under_covariate_shift_without_concept_shift() -> None:
    # Tolerance 0.015: 3 standard errors of accuracy at 20,000 rows are about 0.01.
    raw, actual = _simulated(5000, 1, 2.0, 3.0)
    fitted = fit_cbpe(raw, actual)
    for a, b in ((2.0, 3.0), (1.0, 1.0), (4.0, 1.5)):
        current, labels = _simulated(20_000, 7, a, b)
        estimate = fitted.estimate(fitted.bins(current))
        realized = realized_metrics(current, labels, 0.5)
        assert estimate.enough and estimate.rows == 20_000
        for metric in estimation.CLASSIFIER_METRICS:
            assert estimate.metrics[metric] == pytest.approx(realized[metric], abs=0.015), (a, b, metric)
            low, high = estimate.band(metric)
            assert low < estimate.metrics[metric] < high


def test_est002_cbpe_by_hand() -> None:
    # Rows with raw p 0.9, 0.8 (predicted positive) and 0.3, 0.1 (negative), identity calibration:
    # expected TP 1.7, FP 0.3, FN 0.4, TN 1.6.
    bins = _identity().bins(np.array([0.9, 0.8, 0.3, 0.1]))
    metrics = expected_metrics(bins, 0.5)
    assert metrics["accuracy"] == pytest.approx(3.3 / 4)
    assert metrics["precision"] == pytest.approx(1.7 / 2.0)
    assert metrics["recall"] == pytest.approx(1.7 / 2.1)
    assert metrics["f1"] == pytest.approx(3.4 / 4.1)
    # Expected ROC points (FPR, TPR), thresholds from the top: negatives 0.1, 0.2, 0.7, 0.9 of 1.9,
    # positives 0.9, 0.8, 0.3, 0.1 of 2.1.
    fpr = np.array([0, 0.1, 0.3, 1.0, 1.9]) / 1.9
    tpr = np.array([0, 0.9, 1.7, 2.0, 2.1]) / 2.1
    by_hand = sum((fpr[i + 1] - fpr[i]) * (tpr[i + 1] + tpr[i]) / 2 for i in range(4))
    assert metrics["roc_auc"] == pytest.approx(by_hand)
    # A row exactly on the threshold is predicted negative, as the model's argmax does.
    edge = expected_metrics(_identity().bins(np.array([0.5, 0.5])), 0.5)
    assert edge["accuracy"] == pytest.approx(0.5) and "precision" not in edge


def test_est003_period_bins_merge_exactly() -> None:
    raw, actual = _simulated(3000, 2, 2.0, 2.0)
    fitted = fit_cbpe(raw, actual)
    first, second = _simulated(1500, 3, 1.0, 2.0)[0], _simulated(2500, 4, 3.0, 1.0)[0]
    whole = fitted.bins(np.concatenate([first, second]))
    merged = estimation.merge([fitted.bins(first), fitted.bins(second)])
    assert np.array_equal(merged.counts, whole.counts)
    assert np.allclose(merged.sums, whole.sums, rtol=0, atol=1e-9)
    assert fitted.estimate(merged).metrics == pytest.approx(fitted.estimate(whole).metrics)
    assert merged.rows == 4000 and ProbabilityBins.empty().rows == 0


def test_est004_calibration_is_used_only_when_it_helps() -> None:
    true_p, actual = _simulated(6000, 5, 2.0, 2.0)
    overconfident = np.clip(true_p**0.4, 0, 1)  # the model says more than it knows
    fitted = fit_cbpe(overconfident, actual)
    assert fitted.calibrated
    current_p, labels = _simulated(20_000, 6, 1.5, 2.5)
    estimate = fitted.estimate(fitted.bins(current_p**0.4))
    realized = realized_metrics(current_p**0.4, labels, 0.5)
    assert estimate.metrics["accuracy"] == pytest.approx(realized["accuracy"], abs=0.015)
    # Raw probabilities far off would mislead: the uncalibrated estimate misses by much more.
    raw_estimate = expected_metrics(_identity().bins(current_p**0.4), 0.5)
    assert abs(raw_estimate["accuracy"] - realized["accuracy"]) > 0.05


def test_est005_standard_errors_shrink_with_rows_and_cover_realized_values() -> None:
    raw, actual = _simulated(10_000, 8, 2.0, 3.0)
    fitted = fit_cbpe(raw, actual)
    small = fitted.estimate(fitted.bins(raw[:400]))
    large = fitted.estimate(fitted.bins(raw[:1600]))
    assert small.standard_errors["accuracy"] == pytest.approx(2 * large.standard_errors["accuracy"])
    covered = 0
    for seed in range(40):
        current, labels = _simulated(500, 100 + seed, 2.0, 3.0)
        estimate = fitted.estimate(fitted.bins(current))
        low, high = estimate.band("accuracy")
        covered += low <= realized_metrics(current, labels, 0.5)["accuracy"] <= high
    assert covered >= 38  # ±3 SE should hold about 99.7% of the time


def test_est006_few_rows_give_no_estimate() -> None:
    estimate = _identity().estimate(_identity().bins(np.full(estimation.MIN_ROWS - 1, 0.7)))
    assert not estimate.enough and estimate.metrics == {}
    assert "not enough data" in estimation.not_enough_text(estimate.rows)


@pytest.mark.parametrize(
    ("raw", "actual", "threshold", "message"),
    [
        (np.full(100, 0.4), np.zeros(100), 0.5, "single class"),
        (np.array([0.2, 0.8]), np.array([0, 1]), 0.5, "at least"),
        (np.linspace(0, 1, 100), np.arange(100) % 2, 1.5, "threshold"),
    ],
)
def test_est007_references_that_cannot_fit_say_why(raw, actual, threshold, message) -> None:
    with pytest.raises(ValueError, match=message):
        fit_cbpe(raw, actual, threshold)


class _Constant:
    def __init__(self, values: list[float]) -> None:
        self.values = np.array(values)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return np.resize(self.values, len(frame))


def test_est008_dle_by_hand() -> None:
    # Loss models predicting absolute errors 1, 3 and squared errors 1, 9: MAE 2, RMSE sqrt(5).
    specs = [FeatureSpec.from_dict({"name": "x", "type": "numeric"})]
    dle = DLE(specs, _Constant([1.0, 3.0]), _Constant([1.0, 9.0]), {"mae": 2.0, "rmse": 4.0}, {}, 0)
    frame = pd.DataFrame({"x": np.arange(100.0)})
    sums = dle.sums(frame, np.zeros(100))
    assert sums == LossSums(100, 200.0, 500.0)
    estimate = dle.estimate(sums + LossSums())
    assert estimate.metrics == pytest.approx({"mae": 2.0, "rmse": math.sqrt(5.0)})
    assert estimate.standard_errors == pytest.approx({"mae": 0.2, "rmse": 0.4})
    assert not dle.estimate(LossSums(10, 1.0, 1.0)).enough


def test_est009_dle_tracks_realized_errors_when_noise_depends_on_inputs() -> None:
    rng = np.random.default_rng(3)

    def rows(count: int, low: float, high: float) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        x = rng.uniform(low, high, count)
        region = np.where(x > 5, "north", "south")
        actual = x + rng.normal(0, 0.2 + 0.3 * x, count)  # the error grows with x
        return pd.DataFrame({"x": x, "region": region}), x, actual

    specs = [
        FeatureSpec.from_dict({"name": "x", "type": "numeric"}),
        FeatureSpec.from_dict({"name": "region", "type": "categorical", "categories": ["north", "south"]}),
    ]
    dle = fit_dle(*rows(6000, 0, 10), specs)
    for low, high in ((0, 10), (6, 10), (0, 3)):
        frame, predicted, actual = rows(8000, low, high)
        estimate = dle.estimate(dle.sums(frame, predicted))
        error = predicted - actual
        assert estimate.metrics["mae"] == pytest.approx(np.mean(np.abs(error)), rel=0.06), (low, high)
        assert estimate.metrics["rmse"] == pytest.approx(np.sqrt(np.mean(error**2)), rel=0.06), (low, high)


def test_est010_realized_sums_match_row_metrics_and_merge() -> None:
    from models.realized_sums import ClassifierCounts, RegressorSums

    raw, actual = _simulated(4000, 9, 2.0, 3.0)
    verdicts = np.where((raw > 0.5) == (actual == 1), "correct", "incorrect").astype(object)
    verdicts[:100] = None  # outcome-less rows still count for nothing here
    first = ClassifierCounts.of(2000, verdicts[:2000], raw[:2000], actual[:2000])
    second = ClassifierCounts.of(2000, verdicts[2000:], raw[2000:], actual[2000:])
    merged = (first + second).metrics(0.5)
    by_rows = realized_metrics(raw, actual, 0.5)
    for metric in ("precision", "recall", "f1"):
        assert merged[metric] == pytest.approx(by_rows[metric])
    assert merged["roc_auc"] == pytest.approx(by_rows["roc_auc"], abs=1e-3)  # pairs in one bin count half
    assert merged["accuracy"] == pytest.approx(np.mean((raw[100:] > 0.5) == (actual[100:] == 1)))
    assert (first + second).labels == 4000 and ClassifierCounts.empty().metrics(0.5) == {}
    errors = RegressorSums(3, 2, 3.0, 5.0) + RegressorSums(1, 1, 1.0, 1.0)
    assert errors.metrics() == pytest.approx({"mae": 4 / 3, "rmse": math.sqrt(2.0)})
