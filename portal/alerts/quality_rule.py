"""The ``data_quality`` condition of an alert rule: shares of missing, out-of-range or unseen inputs.

``parse`` validates the YAML mapping; ``judge`` reads the rule's window from the data-quality
counts (``portal.monitoring.quality``) and says whether any watched feature is over a threshold.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from models.data_quality import FeatureCounts
from models.registry import ModelVersion
from portal.monitoring import quality

MEASURES = {
    "missing_share_above": ("missing", "missing"),
    "out_of_range_share_above": ("out_of_range", "outside the training range"),
    "unseen_share_above": ("unseen", "unseen categories"),
}
KEYS = {"feature", *MEASURES}


@dataclasses.dataclass(frozen=True)
class QualityCondition:
    """Fire when a feature's share (of the window's rows) is above a threshold; ``feature`` None: any."""

    feature: str | None = None
    limits: tuple[tuple[str, float], ...] = ()

    def describe(self) -> str:
        which = self.feature or "any feature"
        parts = [f"{MEASURES[key][1]} above {limit:.2%}" for key, limit in self.limits]
        return f"{which}: {' or '.join(parts)}"


def parse(raw: Any, problem: Any) -> QualityCondition | None:
    """A condition from the rule's ``data_quality`` mapping; ``problem(field, message)`` collects mistakes."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - KEYS:
        problem("data_quality", f"expected a mapping with some of {', '.join(sorted(KEYS))}")
        return None
    feature = raw.get("feature")
    if feature is not None and (not isinstance(feature, str) or not 0 < len(feature) <= 200):
        problem("data_quality.feature", f"expected a feature name, not {feature!r}")
        return None
    limits = []
    for key in MEASURES:
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            problem(f"data_quality.{key}", f"expected a share from 0 to below 1 (0.1 is 10%), not {value!r}")
            return None
        limits.append((key, float(value)))
    if not limits:
        problem("data_quality", f"give at least one of {', '.join(MEASURES)}")
        return None
    return QualityCondition(feature, tuple(limits))


def judge(
    engine: sa.Engine,
    record: ModelVersion,
    condition: QualityCondition,
    window: str,
    min_rows: int,
    today: dt.date | None = None,
) -> tuple[bool | None, str, dict[str, Any], str]:
    """(firing or None when too few rows, summary, details, page) for the rule's window."""
    page = "/drift?" + urlencode({"model": record.name, "window": window})
    checked = quality.checked_schema(record)
    names = [spec.name for spec in checked]
    if condition.feature is not None and condition.feature not in names:
        raise ValueError(
            f"{record.name} v{record.version} has no checked input {condition.feature!r} "
            f"(its inputs: {', '.join(names)})"
        )
    view = quality.quality_view(engine, record, quality.window_days(window, today), min_rows=min_rows)
    where = f"in the last {window[:-1]} days"
    details: dict[str, Any] = {"rows": view.rows, "min_rows": min_rows, "window": window}
    if not view.enough:
        return None, f"{record.name}: {view.status_text}, {where}; data quality is not judged", details, page
    watched = [condition.feature] if condition.feature else names
    breaches = []
    for name in watched:
        counts = view.totals.get(name, FeatureCounts())
        for key, limit in condition.limits:
            share = counts.share(getattr(counts, MEASURES[key][0])) or 0.0
            if share > limit:
                breaches.append({"feature": name, "measure": key, "share": round(share, 6), "limit": limit})
    details["breaches"] = breaches
    if breaches:
        named = ", ".join(
            f"{b['feature']} {b['share']:.1%} {MEASURES[b['measure']][1]}" for b in breaches[:5]
        )
        more = f" and {len(breaches) - 5} more" if len(breaches) > 5 else ""
        summary = (
            f"Data quality of {record.name} v{record.version} {where}: {named}{more} ({view.rows:,} rows)"
        )
    else:
        summary = (
            f"Data quality of {record.name} v{record.version} holds {where} ({view.rows:,} rows; "
            f"alert when {condition.describe()})"
        )
    return bool(breaches), summary, details, page
