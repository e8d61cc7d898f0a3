"""Per-feature and dataset drift between reference data and a current window, vectorised with numpy.

The tests and defaults are the ones Evidently documents, so results agree with that tool:

* reference of 1,000 rows or fewer: Kolmogorov-Smirnov for numeric features with more than
  5 distinct values, otherwise chi-square (more than 2 values) or a two-proportion Z-test,
  drifted when p < 0.05;
* larger references: normed Wasserstein distance for numeric features with more than 5 distinct
  values, otherwise Jensen-Shannon distance, drifted when the distance reaches 0.1;
* PSI for every feature as well; the dataset drifts when half of its features do.

No test decides on fewer than ``min_rows`` rows on either side (default 100): such a feature, and
a dataset whose window is that small, is "not enough data", never drifted or stable. With
``multiple_testing="bh"`` the p-value tests are judged on Benjamini-Hochberg adjusted p-values.

Each numeric column is sorted once; distinct counts, the Wasserstein integral and histograms are
all read off the sorted arrays, which is what keeps a million rows by twenty features fast.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from models.drift_thresholds import DEFAULT_THRESHOLDS, DriftThresholds

NUMERIC = "numeric"
CATEGORICAL = "categorical"
P_VALUE_TESTS = ("ks", "chisquare", "z")
DRIFTED = "drifted"
STABLE = "stable"
NOT_ENOUGH = "not enough data"
NO_DATA = "no data"


def not_enough_text(rows: int, needed: int) -> str:
    """The one sentence every consumer shows when a sample is too small to test."""
    return f"Not enough data: {rows:,} rows, needs {needed:,}"


@dataclasses.dataclass(frozen=True)
class FeatureDrift:
    """One feature's test, statistic and verdict, plus PSI and the row counts behind them.

    ``decided`` is False when either sample is below the thresholds' ``min_rows``: the statistic is
    shown, but the feature is neither drifted nor stable. ``adjusted_p`` is the Benjamini-Hochberg
    adjusted p-value when that correction is on (NaN otherwise).
    """

    feature: str
    kind: str
    test: str
    statistic: float
    threshold: float
    drifted: bool
    psi: float
    reference_rows: int
    current_rows: int
    decided: bool = True
    adjusted_p: float = math.nan

    @property
    def status(self) -> str:
        """drifted, stable, not enough data, or no data (nothing to test on one side)."""
        if self.test == "none":
            return NO_DATA
        if not self.decided:
            return NOT_ENOUGH
        return DRIFTED if self.drifted else STABLE

    @property
    def severity(self) -> float:
        """How far past (>1) or short of (<1) its threshold the feature is, for sorting."""
        if not math.isfinite(self.statistic):
            return 0.0
        if self.test in P_VALUE_TESTS:
            return -math.log10(max(self.statistic, 1e-300)) / -math.log10(self.threshold)
        return self.statistic / self.threshold


@dataclasses.dataclass(frozen=True)
class DatasetDrift:
    """Every feature's result, most drifted first, and the dataset verdict with the sizes behind it.

    ``enough`` is False when either side has fewer rows than ``thresholds.min_rows`` (or no feature
    could be decided): then ``drifted`` is False and the verdict says "Not enough data".
    """

    features: tuple[FeatureDrift, ...]
    drifted_share: float
    drifted: bool
    thresholds: DriftThresholds
    reference_rows: int = 0
    current_rows: int = 0
    enough: bool = True

    @property
    def drifted_features(self) -> list[str]:
        return [f.feature for f in self.features if f.drifted]

    @property
    def decided_features(self) -> list[FeatureDrift]:
        return [f for f in self.features if f.decided and f.test != "none"]

    @property
    def status(self) -> str:
        """drifted, stable or not enough data: the dataset verdict as a keyword."""
        if not self.enough:
            return NOT_ENOUGH
        return DRIFTED if self.drifted else STABLE

    @property
    def verdict(self) -> str:
        """The dataset verdict as the page, its CSV, the API and alerts word it."""
        if not self.enough:
            return not_enough_text(min(self.current_rows, self.reference_rows), self.thresholds.min_rows)
        return "Drift detected" if self.drifted else "No dataset drift"

    @property
    def sizes(self) -> str:
        """The rows compared on both sides, for the verdict's caption."""
        return f"{self.current_rows:,} logged rows against {self.reference_rows:,} reference rows"

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [dataclasses.asdict(f) | {"status": f.status, "severity": f.severity} for f in self.features]
        )


def _finite(values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array[np.isfinite(array)]


@dataclasses.dataclass(frozen=True)
class _Sorted:
    """Two sorted samples and their stable merge, from which every numeric statistic is read."""

    reference: np.ndarray
    current: np.ndarray
    merged: np.ndarray
    from_reference: np.ndarray

    @classmethod
    def of(cls, reference: np.ndarray, current: np.ndarray) -> _Sorted:
        ref, cur = np.sort(reference), np.sort(current)
        both = np.concatenate([ref, cur])
        order = np.argsort(both, kind="stable")  # two sorted runs: a linear-time merge
        return cls(ref, cur, both[order], order < len(ref))

    def distinct(self) -> int:
        return int(np.count_nonzero(np.diff(self.merged))) + 1 if len(self.merged) else 0

    def reference_distinct(self) -> int:
        return int(np.count_nonzero(np.diff(self.reference))) + 1 if len(self.reference) else 0

    def wasserstein(self) -> float:
        """The first Wasserstein distance: the area between the two empirical CDFs."""
        ref_cdf = np.cumsum(self.from_reference)[:-1] / len(self.reference)
        cur_cdf = np.cumsum(~self.from_reference)[:-1] / len(self.current)
        return float(np.sum(np.abs(ref_cdf - cur_cdf) * np.diff(self.merged)))

    def value_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Counts per distinct value (union of both samples), reference then current."""
        keys = self.merged[np.concatenate([[True], np.diff(self.merged) != 0])]
        return _counts_at(self.reference, keys), _counts_at(self.current, keys)

    def sturges_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Counts in numpy's 'sturges' bins over both samples together."""
        low, high, size = self.merged[0], self.merged[-1], len(self.merged)
        if high == low:
            edges = np.array([low - 0.5, low + 0.5])
        else:
            width = (high - low) / (math.log2(size) + 1.0)
            edges = np.linspace(low, high, math.ceil((high - low) / width) + 1)
        return _binned(self.reference, edges), _binned(self.current, edges)


def _counts_at(sorted_values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    return np.searchsorted(sorted_values, keys, "right") - np.searchsorted(sorted_values, keys, "left")


def _binned(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    # Bins are [e_i, e_i+1) except the last, which is closed: numpy.histogram's rule.
    starts = np.searchsorted(sorted_values, edges[:-1], "left")
    return np.diff(np.append(starts, len(sorted_values)))


def _shares(counts: np.ndarray, total: int, fill_zeros: bool) -> np.ndarray:
    shares = counts / total
    if fill_zeros and np.any(shares == 0):
        smallest = shares[shares > 0].min()
        shares = np.where(shares == 0, smallest / 1e6 if smallest <= 1e-4 else 1e-4, shares)
    return shares


def _psi(ref_counts: np.ndarray, cur_counts: np.ndarray, n_ref: int, n_cur: int) -> float:
    ref, cur = _shares(ref_counts, n_ref, True), _shares(cur_counts, n_cur, True)
    return float(np.sum((ref - cur) * np.log(ref / cur)))


def _jensenshannon(ref_counts: np.ndarray, cur_counts: np.ndarray, n_ref: int, n_cur: int) -> float:
    ref, cur = ref_counts / n_ref, cur_counts / n_cur
    ref, cur = ref / ref.sum(), cur / cur.sum()
    middle = (ref + cur) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(ref > 0, ref * np.log(ref / middle), 0.0).sum()
        right = np.where(cur > 0, cur * np.log(cur / middle), 0.0).sum()
    return float(math.sqrt(max((left + right) / 2, 0.0)))


def _chisquare(ref_counts: np.ndarray, cur_counts: np.ndarray, n_ref: int, n_cur: int) -> float:
    expected = ref_counts * (n_cur / n_ref)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        return float(stats.chisquare(cur_counts, expected).pvalue)


def _z_test(ref_counts: np.ndarray, cur_counts: np.ndarray, n_ref: int, n_cur: int) -> float:
    """Two-sided two-proportion Z-test on the share of the second (sorted) value."""
    if len(ref_counts) < 2:
        return 1.0
    p_ref, p_cur = 1 - ref_counts[0] / n_ref, 1 - cur_counts[0] / n_cur
    pooled = (p_ref * n_ref + p_cur * n_cur) / (n_ref + n_cur)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_ref + 1 / n_cur))
    if spread == 0:
        return 1.0
    return float(2 * (1 - stats.norm.cdf(abs((p_ref - p_cur) / spread))))


def _decide(
    test: str, ref_counts: np.ndarray, cur_counts: np.ndarray, n_ref: int, n_cur: int, limits: DriftThresholds
) -> tuple[float, float]:
    if test == "jensenshannon":
        return _jensenshannon(ref_counts, cur_counts, n_ref, n_cur), limits.jensenshannon
    if test == "chisquare":
        return _chisquare(ref_counts, cur_counts, n_ref, n_cur), limits.p_value
    return _z_test(ref_counts, cur_counts, n_ref, n_cur), limits.p_value


def _result(
    feature: str,
    kind: str,
    test: str,
    statistic: float,
    threshold: float,
    psi: float,
    n_ref: int,
    n_cur: int,
    limits: DriftThresholds,
) -> FeatureDrift:
    decided = min(n_ref, n_cur) >= limits.min_rows
    if test in P_VALUE_TESTS:
        drifted = math.isfinite(statistic) and statistic < threshold
    else:
        drifted = math.isfinite(statistic) and statistic >= threshold
    return FeatureDrift(
        feature, kind, test, statistic, threshold, decided and drifted, psi, n_ref, n_cur, decided
    )


def _empty(feature: str, kind: str, n_ref: int, n_cur: int) -> FeatureDrift:
    return FeatureDrift(feature, kind, "none", math.nan, math.nan, False, math.nan, n_ref, n_cur)


def numeric_drift(
    feature: str, reference: Any, current: Any, limits: DriftThresholds = DEFAULT_THRESHOLDS
) -> FeatureDrift:
    """Drift of a numeric feature; missing and infinite values are left out of both samples."""
    sample = _Sorted.of(_finite(reference), _finite(current))
    n_ref, n_cur = len(sample.reference), len(sample.current)
    if not n_ref or not n_cur:
        return _empty(feature, NUMERIC, n_ref, n_cur)
    distinct = sample.distinct()
    binned = sample.sturges_counts() if sample.reference_distinct() > 20 else sample.value_counts()
    psi = _psi(*binned, n_ref, n_cur)
    if distinct > limits.low_cardinality:
        if n_ref <= limits.small_reference:
            p_value = float(stats.ks_2samp(sample.reference, sample.current).pvalue)
            return _result(feature, NUMERIC, "ks", p_value, limits.p_value, psi, n_ref, n_cur, limits)
        norm = max(float(np.std(sample.reference)), 0.001)
        distance = sample.wasserstein() / norm
        return _result(
            feature, NUMERIC, "wasserstein", distance, limits.wasserstein, psi, n_ref, n_cur, limits
        )
    counts = sample.value_counts()
    test = _low_cardinality_test(distinct, n_ref, limits)
    statistic, threshold = _decide(test, *counts, n_ref, n_cur, limits)
    return _result(feature, NUMERIC, test, statistic, threshold, psi, n_ref, n_cur, limits)


def _low_cardinality_test(distinct: int, n_ref: int, limits: DriftThresholds) -> str:
    if n_ref > limits.small_reference:
        return "jensenshannon"
    return "chisquare" if distinct > 2 else "z"


def categorical_drift(
    feature: str, reference: Any, current: Any, limits: DriftThresholds = DEFAULT_THRESHOLDS
) -> FeatureDrift:
    """Drift of a categorical feature from category shares; missing values are left out."""
    ref = pd.Series(reference).dropna()
    cur = pd.Series(current).dropna()
    n_ref, n_cur = len(ref), len(cur)
    if not n_ref or not n_cur:
        return _empty(feature, CATEGORICAL, n_ref, n_cur)
    codes, uniques = pd.factorize(pd.concat([ref.astype(object), cur.astype(object)], ignore_index=True))
    # Sorted category order, so the Z-test's "first value" is well defined.
    order = np.argsort(np.asarray(uniques, dtype=str), kind="stable")
    ref_counts = np.bincount(codes[:n_ref], minlength=len(uniques))[order]
    cur_counts = np.bincount(codes[n_ref:], minlength=len(uniques))[order]
    psi = _psi(ref_counts, cur_counts, n_ref, n_cur)
    test = _low_cardinality_test(len(uniques), n_ref, limits)
    statistic, threshold = _decide(test, ref_counts, cur_counts, n_ref, n_cur, limits)
    return _result(feature, CATEGORICAL, test, statistic, threshold, psi, n_ref, n_cur, limits)


def as_numbers(values: pd.Series) -> np.ndarray:
    """Dates as days since the epoch, everything else as floats (non-numbers become missing)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.to_datetime(values)
        days = (stamps - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0
        return days.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def dataset_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    kinds: Mapping[str, str],
    limits: DriftThresholds = DEFAULT_THRESHOLDS,
) -> DatasetDrift:
    """Test every feature in ``kinds`` (name -> numeric/categorical); most drifted first."""
    results = []
    for feature, kind in kinds.items():
        if kind == NUMERIC:
            ref, cur = as_numbers(reference[feature]), as_numbers(current[feature])
            results.append(numeric_drift(feature, ref, cur, limits))
        else:
            results.append(categorical_drift(feature, reference[feature], current[feature], limits))
    if limits.multiple_testing == "bh":
        results = benjamini_hochberg(results)
    n_ref, n_cur = len(reference), len(current)
    tested = [r for r in results if r.test != "none" and r.decided]
    enough = bool(tested) and min(n_ref, n_cur) >= limits.min_rows
    share = sum(r.drifted for r in tested) / len(tested) if tested else 0.0
    ranked = sorted(results, key=lambda r: (not r.drifted, not r.decided, -r.severity, r.feature))
    drifted = enough and share >= limits.drift_share
    return DatasetDrift(tuple(ranked), share, drifted, limits, n_ref, n_cur, enough)


def benjamini_hochberg(results: list[FeatureDrift]) -> list[FeatureDrift]:
    """Judge the decided p-value tests on Benjamini-Hochberg adjusted p-values (FDR at ``threshold``).

    Adjusted p of the i-th smallest of m p-values: min over j >= i of p_j * m / j, capped at 1.
    """
    index = [
        i
        for i, r in enumerate(results)
        if r.test in P_VALUE_TESTS and r.decided and math.isfinite(r.statistic)
    ]
    if not index:
        return results
    p_values = np.array([results[i].statistic for i in index])
    order = np.argsort(p_values, kind="stable")
    m = len(p_values)
    scaled = p_values[order] * m / np.arange(1, m + 1)
    adjusted_sorted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    adjusted = np.empty(m)
    adjusted[order] = adjusted_sorted
    out = list(results)
    for i, value in zip(index, adjusted, strict=True):
        item = results[i]
        out[i] = dataclasses.replace(item, adjusted_p=float(value), drifted=bool(value < item.threshold))
    return out


def kinds_from_schema(schema: Any, exclude: tuple[str | None, ...] = ()) -> dict[str, str]:
    """numeric/categorical per model input; datetimes are compared as day numbers."""
    return {
        spec.name: CATEGORICAL if spec.kind == CATEGORICAL else NUMERIC
        for spec in schema
        if spec.name not in exclude
    }
