"""Performance estimated without labels, for binary classifiers: confidence-based estimation (CBPE).

The model's positive-class probability is calibrated on the reference data (isotonic regression,
kept only when it calibrates a held-out part of the reference better than the raw probability).
A calibrated probability is the expected share of positives among rows like it, so expected
confusion-matrix counts at the decision threshold give accuracy, precision, recall and F1, and
expected true/false-positive rates over all thresholds give ROC AUC. This holds while P(y|x) stays
as on the reference: under concept shift the estimate is wrong and only labels can tell.

Rows are summarised per period as ``BINS`` bins of the raw probability holding (rows, sum of
calibrated probability): two periods' bins add up to the bins of both, so periods are computed
once, cached, and merged exactly into weeks or any longer span.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
from scipy.stats import rankdata
from sklearn.isotonic import isotonic_regression

BINS = 1000
# Below this many rows a period's estimate is not shown: its ±3 SE band would span most of [0, 1].
MIN_ROWS = 100
CLASSIFIER_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")
CALIBRATION_SPLITS = 5
ECE_BINS = 10
SE_CHUNKS = 10
SE_CHUNKS_MAX = 50
SE_REPEATS = 5


@dataclasses.dataclass(frozen=True)
class ProbabilityBins:
    """Rows and summed calibrated probability per bin of raw probability; bin k holds (k/BINS, (k+1)/BINS]."""

    counts: np.ndarray
    sums: np.ndarray

    @classmethod
    def empty(cls) -> ProbabilityBins:
        return cls(np.zeros(BINS, dtype=np.int64), np.zeros(BINS, dtype=float))

    def __add__(self, other: ProbabilityBins) -> ProbabilityBins:
        return ProbabilityBins(self.counts + other.counts, self.sums + other.sums)

    @property
    def rows(self) -> int:
        return int(self.counts.sum())


def merge(parts: list[ProbabilityBins]) -> ProbabilityBins:
    """The bins of all the parts' rows together."""
    total = ProbabilityBins.empty()
    for part in parts:
        total = total + part
    return total


def bin_index(raw: np.ndarray) -> np.ndarray:
    """Bin of each raw probability; a row exactly on a bin edge goes below it, like ``p > threshold``."""
    return np.clip(np.ceil(raw * BINS).astype(np.int64) - 1, 0, BINS - 1)


@dataclasses.dataclass(frozen=True)
class Estimate:
    """Estimated metrics of one set of rows and their standard errors; empty below ``MIN_ROWS``."""

    rows: int
    metrics: dict[str, float]
    standard_errors: dict[str, float]

    @property
    def enough(self) -> bool:
        return self.rows >= MIN_ROWS

    def band(self, metric: str, width: float = 3.0) -> tuple[float, float]:
        """The value ± ``width`` standard errors, clipped to the metric's range for rates."""
        value, error = self.metrics[metric], self.standard_errors.get(metric, 0.0)
        low, high = value - width * error, value + width * error
        if metric in CLASSIFIER_METRICS:
            return max(low, 0.0), min(high, 1.0)
        return max(low, 0.0), high


def not_enough_text(rows: int) -> str:
    """Why a period has no estimate, in the words the page and the API use."""
    return f"not enough data: {rows:,} rows, estimates need {MIN_ROWS:,}"


def standard_errors(unit_sd: dict[str, float], rows: int) -> dict[str, float]:
    """Sampling error of each metric at ``rows`` rows, scaled from the reference chunks by 1/sqrt(n)."""
    if rows <= 0:
        return {}
    return {metric: sd / math.sqrt(rows) for metric, sd in unit_sd.items()}


def chunk_unit_sd(
    size: int, metric_of: Callable[[np.ndarray], dict[str, float]], seed: int = 0
) -> dict[str, float]:
    """Per metric, SD of the realized metric over disjoint reference chunks times sqrt(chunk size).

    ``metric_of`` gets the row indices of one chunk; dividing the result by sqrt(n) gives the standard
    error at n rows, the sampling noise an estimate of n rows cannot be told apart from.
    """
    # Chunks of at least 100 rows where the reference allows (up to 50), else ten of at least 20.
    chunks = min(SE_CHUNKS_MAX, max(size // 100, min(SE_CHUNKS, size // 20)))
    if chunks < 2:
        return {}
    rng = np.random.default_rng(seed)
    rows = size // chunks
    values: dict[str, list[float]] = {}
    # Several random partitions: one partition alone would leave the SD itself uncertain.
    for _ in range(SE_REPEATS):
        order = rng.permutation(size)
        for part in range(chunks):
            for metric, value in metric_of(order[part * rows : (part + 1) * rows]).items():
                if math.isfinite(value):
                    values.setdefault(metric, []).append(value)
    return {m: float(np.std(v, ddof=1) * math.sqrt(rows)) for m, v in values.items() if len(v) >= 2}


@dataclasses.dataclass(frozen=True)
class CBPE:
    """A calibrator fitted on one model version's reference data, and the reference sampling noise."""

    threshold: float
    knots_x: np.ndarray
    knots_y: np.ndarray
    unit_sd: dict[str, float]
    reference_metrics: dict[str, float]
    reference_rows: int

    @property
    def calibrated(self) -> bool:
        """False when isotonic calibration did not help, so raw probabilities are used as they are."""
        return len(self.knots_x) > 0

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        raw = np.asarray(raw, dtype=float)
        if not self.calibrated:
            return np.clip(raw, 0.0, 1.0)
        return np.interp(raw, self.knots_x, self.knots_y)

    def bins(self, raw: np.ndarray) -> ProbabilityBins:
        """The bins of some rows' raw positive-class probabilities (missing values are left out)."""
        raw = np.asarray(raw, dtype=float)
        raw = raw[np.isfinite(raw)]
        index = bin_index(raw)
        counts = np.bincount(index, minlength=BINS).astype(np.int64)
        sums = np.bincount(index, weights=self.calibrate(raw), minlength=BINS)
        return ProbabilityBins(counts, sums)

    def estimate(self, bins: ProbabilityBins) -> Estimate:
        """Expected metrics of the binned rows; none below ``MIN_ROWS`` rows."""
        rows = bins.rows
        if rows < MIN_ROWS:
            return Estimate(rows, {}, {})
        metrics = expected_metrics(bins, self.threshold)
        errors = standard_errors(self.unit_sd, rows)
        return Estimate(rows, metrics, {m: e for m, e in errors.items() if m in metrics})


def expected_metrics(bins: ProbabilityBins, threshold: float) -> dict[str, float]:
    """Accuracy, precision, recall, F1 from expected confusion counts at ``threshold``; ROC AUC."""
    flagged = np.arange(BINS) >= round(threshold * BINS)
    counts, sums = bins.counts.astype(float), bins.sums
    tp, fp = sums[flagged].sum(), (counts - sums)[flagged].sum()
    fn, tn = sums[~flagged].sum(), (counts - sums)[~flagged].sum()
    total = counts.sum()
    result = {"accuracy": float((tp + tn) / total)}
    if tp + fp > 0:
        result["precision"] = float(tp / (tp + fp))
    if tp + fn > 0:
        result["recall"] = float(tp / (tp + fn))
    if 2 * tp + fp + fn > 0:
        result["f1"] = float(2 * tp / (2 * tp + fp + fn))
    auc = expected_roc_auc(bins)
    if auc is not None:
        result["roc_auc"] = auc
    return result


def expected_roc_auc(bins: ProbabilityBins) -> float | None:
    """Area under the expected ROC curve: thresholds from the top bin down, rows counted as expected."""
    positives = bins.sums[::-1]
    negatives = (bins.counts - bins.sums)[::-1]
    tps = np.concatenate([[0.0], np.cumsum(positives)])
    fps = np.concatenate([[0.0], np.cumsum(negatives)])
    if tps[-1] <= 0 or fps[-1] <= 0:
        return None
    tpr, fpr = tps / tps[-1], fps / fps[-1]
    return float(np.sum((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2))


def realized_metrics(raw: np.ndarray, actual: np.ndarray, threshold: float) -> dict[str, float]:
    """The same metrics from true labels (1 = positive), predicted positive when ``raw > threshold``."""
    actual = np.asarray(actual, dtype=int)
    flagged = np.asarray(raw, dtype=float) > threshold
    tp = float(np.sum(flagged & (actual == 1)))
    fp = float(np.sum(flagged & (actual == 0)))
    fn = float(np.sum(~flagged & (actual == 1)))
    result = {"accuracy": float(np.mean(flagged == (actual == 1)))} if len(actual) else {}
    if tp + fp:
        result["precision"] = tp / (tp + fp)
    if tp + fn:
        result["recall"] = tp / (tp + fn)
    if 2 * tp + fp + fn:
        result["f1"] = 2 * tp / (2 * tp + fp + fn)
    positives = int(actual.sum())
    if 0 < positives < len(actual):
        # Mann-Whitney: the share of (positive, negative) pairs ranked right, ties counting half.
        ranks = rankdata(raw)
        negatives = len(actual) - positives
        wins = ranks[actual == 1].sum() - positives * (positives + 1) / 2
        result["roc_auc"] = float(wins / (positives * negatives))
    return result


def expected_calibration_error(probability: np.ndarray, actual: np.ndarray) -> float:
    """Row-weighted gap between mean probability and positive share over equal-count bins.

    Rows must come sorted by the model's raw probability: the bins are its quantiles.
    """
    gaps = [
        abs(float(np.mean(probability[part]) - np.mean(actual[part]))) * len(part)
        for part in np.array_split(np.arange(len(probability)), ECE_BINS)
        if len(part)
    ]
    return float(sum(gaps) / max(len(probability), 1))


def isotonic_knots(raw: np.ndarray, actual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Isotonic regression of labels on raw probability (rows sorted by it), as interpolation knots.

    Tied probabilities are pooled first (weighted by their rows), then sklearn's pool-adjacent-
    violators fits the means; only each plateau's ends are kept, enough for ``np.interp``.
    """
    x, first, counts = np.unique(raw, return_index=True, return_counts=True)
    means = np.add.reduceat(actual, first) / counts
    fitted = isotonic_regression(means, sample_weight=counts.astype(float), y_min=0.0, y_max=1.0)
    if len(fitted) <= 2:
        return x, fitted
    changes = np.flatnonzero(np.diff(fitted))
    keep = np.unique(np.concatenate([[0, len(fitted) - 1], changes, changes + 1]))
    return x[keep], fitted[keep]


def calibration_helps(raw: np.ndarray, actual: np.ndarray, seed: int = 0) -> bool:
    """Whether isotonic calibration fitted on half the reference lowers the other half's calibration error.

    Rows come sorted by raw probability; each random half keeps that order, so no split sorts again.
    """
    rng = np.random.default_rng(seed)
    raw_error, calibrated_error = 0.0, 0.0
    for _ in range(CALIBRATION_SPLITS):
        held = rng.random(len(raw)) < 0.5
        if held.all() or not held.any():
            continue
        knots_x, knots_y = isotonic_knots(raw[~held], actual[~held])
        calibrated = np.interp(raw[held], knots_x, knots_y)
        raw_error += expected_calibration_error(raw[held], actual[held])
        calibrated_error += expected_calibration_error(calibrated, actual[held])
    return calibrated_error < raw_error


def fit_cbpe(raw: np.ndarray, actual: np.ndarray, threshold: float = 0.5, seed: int = 0) -> CBPE:
    """Fit the calibrator and the reference sampling noise from reference probabilities and labels (1/0).

    ValueError when the reference cannot support an estimate (too few rows, or a single class).
    """
    raw = np.asarray(raw, dtype=float)
    actual = np.asarray(actual, dtype=int)
    keep = np.isfinite(raw)
    raw, actual = raw[keep], actual[keep]
    if len(raw) < 2 * ECE_BINS:
        raise ValueError(
            f"the reference has {len(raw)} scored rows; estimation needs at least {2 * ECE_BINS}"
        )
    if not 0 < actual.sum() < len(actual):
        raise ValueError("the reference holds a single class; calibration needs both")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"the decision threshold must be between 0 and 1, not {threshold}")
    order = np.argsort(raw, kind="stable")
    raw, actual = raw[order], actual[order]
    knots_x, knots_y = np.array([]), np.array([])
    if calibration_helps(raw, actual.astype(float), seed):
        knots_x, knots_y = isotonic_knots(raw, actual.astype(float))
    unit_sd = chunk_unit_sd(len(raw), lambda rows: realized_metrics(raw[rows], actual[rows], threshold), seed)
    return CBPE(threshold, knots_x, knots_y, unit_sd, realized_metrics(raw, actual, threshold), len(raw))
