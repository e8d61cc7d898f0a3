"""What the Drift page shows, as pure pandas: drift per time bucket, overlaid distributions, output spread.

Everything here takes frames in and gives small frames out, so the page can cache the results per
model version and window and never ship raw rows to the browser.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pandas as pd

from models import drift
from models.drift_thresholds import DEFAULT_THRESHOLDS, DriftThresholds

OVERLAY_BINS = 30
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def bucket_frequency(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """Days for windows up to five weeks, weeks up to a year, months beyond."""
    span = end - start
    if span <= pd.Timedelta(days=35):
        return "D"
    if span <= pd.Timedelta(days=366):
        return "W"
    return "M"


def choose_frequency(times: pd.Series, min_rows: int = 30) -> str:
    """The finest of day/week/month whose buckets average ``min_rows`` rows, so each point means something."""
    if times.empty:
        return "D"
    naive = pd.to_datetime(times, utc=True).dt.tz_localize(None)
    finest = bucket_frequency(naive.min(), naive.max())
    for freq in ("D", "W", "M")[("D", "W", "M").index(finest) :]:
        if len(naive) / max(naive.dt.to_period(freq).nunique(), 1) >= min_rows:
            return freq
    return "M"


def bucket_labels(times: pd.Series, freq: str) -> pd.Series:
    """The start of each row's bucket, as text the charts can use as categories."""
    naive = pd.to_datetime(times, utc=True).dt.tz_localize(None)
    periods = naive.dt.to_period(freq)
    return periods.dt.start_time.dt.strftime("%Y-%m-%d")


def drift_over_time(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    buckets: pd.Series,
    kinds: Mapping[str, str],
    limits: DriftThresholds = DEFAULT_THRESHOLDS,
    min_rows: int = 30,
) -> pd.DataFrame:
    """One row per (bucket, feature): the statistic and verdict of that bucket against the reference.

    Buckets with fewer than ``min_rows`` rows are left out: a handful of rows says little. The
    statistic of a bucket below the thresholds' ``min_rows`` is kept for the sparkline's trend, but
    that bucket is never marked drifted (the same rule as the window's verdict).
    """
    needed = min_rows
    rows = []
    for bucket, index in current.groupby(buckets.to_numpy(), sort=True).groups.items():
        if len(index) < needed:
            continue
        result = drift.dataset_drift(reference, current.loc[index], kinds, limits)
        rows.extend(
            {
                "bucket": bucket,
                "feature": item.feature,
                "statistic": item.statistic,
                "drifted": item.drifted,
                "rows": len(index),
            }
            for item in result.features
        )
    return pd.DataFrame(rows, columns=["bucket", "feature", "statistic", "drifted", "rows"])


def overlay(reference: pd.Series, current: pd.Series, kind: str, bins: int = OVERLAY_BINS) -> pd.DataFrame:
    """Shares of reference and current rows per shared bin (numbers) or per category."""
    if kind == drift.NUMERIC:
        ref = drift.as_numbers(reference)
        cur = drift.as_numbers(current)
        ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
        both = np.concatenate([ref, cur])
        if not len(both):
            return pd.DataFrame({"label": [], "reference": [], "current": []})
        edges = np.histogram_bin_edges(both, bins=bins)
        ref_counts = np.histogram(ref, edges)[0]
        cur_counts = np.histogram(cur, edges)[0]
        labels = [f"{left:.4g} to {right:.4g}" for left, right in itertools.pairwise(edges)]
        return pd.DataFrame(
            {
                "label": labels,
                "center": (edges[:-1] + edges[1:]) / 2,
                "reference": ref_counts / max(len(ref), 1),
                "current": cur_counts / max(len(cur), 1),
            }
        )
    ref_shares = reference.dropna().astype(str).value_counts(normalize=True)
    cur_shares = current.dropna().astype(str).value_counts(normalize=True)
    table = pd.concat([ref_shares.rename("reference"), cur_shares.rename("current")], axis=1).fillna(0.0)
    table = table.sort_values("reference", ascending=False)
    return table.rename_axis("label").reset_index()


def output_spread(values: pd.Series, buckets: pd.Series) -> pd.DataFrame:
    """Quantiles and row count of the model's output per bucket: prediction drift over time."""
    frame = pd.DataFrame({"bucket": buckets.to_numpy(), "value": pd.to_numeric(values, errors="coerce")})
    frame = frame.dropna()
    if frame.empty:
        return pd.DataFrame(columns=["bucket", "rows", *[f"q{int(q * 100)}" for q in QUANTILES]])
    grouped = frame.groupby("bucket", sort=True)["value"]
    table = grouped.quantile(list(QUANTILES)).unstack()
    table.columns = [f"q{int(q * 100)}" for q in QUANTILES]
    table.insert(0, "rows", grouped.size())
    return table.reset_index()


def sparkline_values(history: pd.DataFrame, feature: str) -> list[float]:
    """The statistic of one feature, oldest bucket first, for a table sparkline."""
    rows = history[history["feature"] == feature].sort_values("bucket")
    return [round(float(v), 6) for v in rows["statistic"] if np.isfinite(v)]
