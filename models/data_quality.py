"""Data quality of model inputs: missing values, values outside the training range, unseen categories.

Counts, not shares, so a day's counts merge with another's by adding them (``FeatureCounts.merge``),
and a window is the sum of its days. The training range of a numeric (or date) feature is the
schema's ``min``/``max``, the reference data's extremes stored with the version, except that a date
up to the moment a row was logged is not "above" it: dates such as a signup date keep growing after
training, and only a date later than its row's logging is out of place. A categorical
feature's known values are its schema ``categories`` (none are kept past ``schema.MAX_CATEGORIES``
distinct values, and then nothing counts as unseen).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from models.schema import CATEGORICAL, DATETIME, NUMERIC, FeatureSpec

# Distinct unseen values kept per feature and period (the most frequent); enough for examples.
KEPT_VALUES = 50
VALUE_CHARS = 80


@dataclasses.dataclass(frozen=True)
class FeatureCounts:
    """One feature over some rows: how many were missing, below/above the range, unseen (with values)."""

    rows: int = 0
    missing: int = 0
    below: int = 0
    above: int = 0
    unseen: int = 0
    unseen_values: tuple[tuple[str, int], ...] = ()

    @property
    def out_of_range(self) -> int:
        return self.below + self.above

    def share(self, count: int) -> float | None:
        """``count`` as a share of the rows; None with no rows."""
        return count / self.rows if self.rows else None

    def scaled(self, rows: int) -> FeatureCounts:
        """These counts of a sample stretched to ``rows`` rows: the same shares, as whole numbers."""
        if not self.rows or rows == self.rows:
            return self
        factor = rows / self.rows

        def stretch(count: int) -> int:
            return round(count * factor)

        values = tuple((value, stretch(count)) for value, count in self.unseen_values)
        counts = (stretch(self.missing), stretch(self.below), stretch(self.above), stretch(self.unseen))
        return FeatureCounts(rows, *counts, values)

    def merge(self, other: FeatureCounts) -> FeatureCounts:
        """The counts of both sets of rows together."""
        values = Counter(dict(self.unseen_values))
        values.update(dict(other.unseen_values))
        return FeatureCounts(
            self.rows + other.rows,
            self.missing + other.missing,
            self.below + other.below,
            self.above + other.above,
            self.unseen + other.unseen,
            _top(values),
        )


def _top(values: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    ranked = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    return tuple(ranked[:KEPT_VALUES])


def merge_all(parts: Iterable[Mapping[str, FeatureCounts]]) -> dict[str, FeatureCounts]:
    """Per-feature counts of several periods or chunks added up."""
    total: dict[str, FeatureCounts] = {}
    for part in parts:
        for name, counts in part.items():
            total[name] = total[name].merge(counts) if name in total else counts
    return total


def count_features(
    features: pd.DataFrame, schema: Sequence[FeatureSpec], logged_until: dt.datetime | None = None
) -> dict[str, FeatureCounts]:
    """Counts for each schema feature over the rows of a typed feature frame (``predlog.parsing``).

    ``logged_until``: when the rows were logged by the latest (the end of their day), for dates.
    """
    return {
        spec.name: count_column(features[spec.name], spec, logged_until)
        for spec in schema
        if spec.name in features
    }


def count_column(
    values: pd.Series, spec: FeatureSpec, logged_until: dt.datetime | None = None
) -> FeatureCounts:
    """One feature's counts: missing for every kind, range for numbers and dates, unseen for categories."""
    present = values.notna()
    rows, missing = len(values), int((~present).sum())
    if spec.kind == NUMERIC and spec.minimum is not None and spec.maximum is not None:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        below = int(np.sum(numbers < float(spec.minimum)))
        above = int(np.sum(numbers > float(spec.maximum)))
        return FeatureCounts(rows, missing, below, above)
    if spec.kind == DATETIME and spec.minimum is not None and spec.maximum is not None:
        stamps = pd.to_datetime(values, errors="coerce")
        below = int((stamps < pd.Timestamp(spec.minimum)).sum())
        above = int((stamps > _latest_date(spec, logged_until)).sum())
        return FeatureCounts(rows, missing, below, above)
    if spec.kind == CATEGORICAL and spec.categories is not None:
        known = known_values(spec.categories)
        given = values[present]
        unseen = given[[not is_known(value, known) for value in given]]
        shown = Counter(str(value)[:VALUE_CHARS] for value in unseen)
        return FeatureCounts(rows, missing, 0, 0, len(unseen), _top(shown))
    return FeatureCounts(rows, missing)


def _latest_date(spec: FeatureSpec, logged_until: dt.datetime | None) -> pd.Timestamp:
    """The latest unsurprising date: the training maximum, or the rows' logging time if later."""
    latest = pd.Timestamp(spec.maximum)
    if logged_until is None:
        return latest
    logged = pd.Timestamp(logged_until)
    if logged.tzinfo is not None:
        logged = logged.tz_convert("UTC").tz_localize(None)
    return max(latest, logged)


def known_values(categories: Iterable[Any]) -> frozenset[Any]:
    """The categories and their text forms: a logged 1 may come back as "1" from JSON text."""
    listed = list(categories)
    return frozenset(listed) | frozenset(str(c) for c in listed)


def is_known(value: Any, known: frozenset[Any]) -> bool:
    """Whether a logged value is one of the training categories (by value or by its text)."""
    try:
        if value in known:
            return True
    except TypeError:  # unhashable: never a category
        return False
    return str(value) in known
