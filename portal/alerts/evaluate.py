"""What a rule sees now: whether the active version's window (or one feature) drifted, or its metric dropped.

Each condition gives a :class:`Finding`; ``firing`` is None when the window has too few rows or
labels to say, so an open alert is neither re-sent nor resolved on thin evidence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from models import drift, live
from models.drift_thresholds import DriftThresholds
from models.registry import ModelRegistry, ModelVersion
from portal.alerts import quality_rule
from portal.alerts.estimated_drop import EstimateMismatch, estimated_drop
from portal.alerts.rules import ESTIMATED_PREFIX, AlertRule, PerformanceDrop
from portal.config import Settings
from portal.feedback.labelled import labelled_window
from portal.monitoring.drift import drift_kinds
from portal.predlog import windows as logged_data

DATASET_DRIFT = "dataset_drift"
FEATURE_DRIFT = "feature_drift"
PERFORMANCE_DROP = "performance_drop"
DATA_QUALITY = "data_quality"


class RuleMismatch(ValueError):
    """The rule asks for something this model cannot give (a metric of another task)."""


@dataclasses.dataclass(frozen=True)
class Finding:
    """One condition of a rule: firing (True/False, None when undecided), a sentence, and its figures."""

    kind: str
    firing: bool | None
    summary: str
    details: dict[str, Any]
    page: str


def evaluate(
    settings: Settings,
    engine: sa.Engine,
    registry: ModelRegistry,
    rule: AlertRule,
    now: dt.datetime | None = None,
) -> tuple[ModelVersion, list[Finding]]:
    """The rule's findings against the model's active version; registry and database errors propagate."""
    record = registry.get(rule.model)
    findings = []
    if rule.dataset_drift or rule.feature_drift:
        findings += drift_findings(settings, engine, registry, record, rule, now)
    if rule.performance_drop is not None:
        findings.append(performance_drop(engine, registry, record, rule, rule.performance_drop, now))
    if rule.data_quality is not None:
        try:
            today = now.astimezone(dt.UTC).date() if now else None
            judged = quality_rule.judge(engine, record, rule.data_quality, rule.window, rule.min_rows, today)
        except ValueError as exc:
            raise RuleMismatch(str(exc)) from None
        findings.append(Finding(DATA_QUALITY, *judged))
    return record, findings


def drift_findings(
    settings: Settings,
    engine: sa.Engine,
    registry: ModelRegistry,
    record: ModelVersion,
    rule: AlertRule,
    now: dt.datetime | None,
) -> list[Finding]:
    """The Drift page's verdicts for the same window (dataset, chosen feature), from one drift test."""
    kinds = drift_kinds(record)
    feature = rule.feature_drift
    if feature is not None and feature not in kinds:
        raise RuleMismatch(
            f"{record.name} v{record.version} has no input feature {feature!r} that drift is tested on "
            f"(its features: {', '.join(kinds) or 'none'})"
        )
    wanted = ([DATASET_DRIFT] if rule.dataset_drift else []) + ([FEATURE_DRIFT] if feature else [])
    spec = logged_data.last_days(record.name, rule.window_days, now)
    query = {"model": record.name, "window": rule.window}
    page = "/drift?" + urlencode(query)
    feature_page = "/drift?" + urlencode({**query, "feature": feature}) if feature else page
    where = f"in the last {rule.window_days} days"
    limits = DriftThresholds.from_mapping(settings.drift_thresholds.get(record.name))
    # The page's rule decides (the model's min_rows); a rule's own min_rows can only ask for more.
    needed = max(rule.min_rows, limits.min_rows)
    logged, _newest = logged_data.window_fingerprint(engine, spec)
    if logged < needed:
        return [_not_enough(kind, record, logged, needed, where, page) for kind in wanted]
    window = logged_data.load_window(engine, spec, record.schema)
    reference = registry.reference(record.name, record.version)
    result = drift.dataset_drift(reference, window.features, kinds, limits)
    findings = []
    if rule.dataset_drift:
        findings.append(_dataset_finding(record, rule, result, window, where, page))
    if feature:
        findings.append(_feature_finding(record, rule, result, feature, where, feature_page))
    return findings


def _dataset_finding(
    record: ModelVersion,
    rule: AlertRule,
    result: drift.DatasetDrift,
    window: Any,
    where: str,
    page: str,
) -> Finding:
    limits = result.thresholds
    if not result.enough:
        return _not_enough(DATASET_DRIFT, record, result.current_rows, limits.min_rows, where, page)
    drifted = result.drifted_features
    total = len(result.features)
    details = {
        "rows": window.logged,
        "tested_rows": window.rows,
        "reference_rows": result.reference_rows,
        "min_rows": limits.min_rows,
        "window": rule.window,
        "drifted_share": round(result.drifted_share, 4),
        "share_threshold": limits.drift_share,
        "drifted_features": drifted,
        "features": total,
    }
    if result.drifted:
        named = ", ".join(drifted[:5]) + (f" and {len(drifted) - 5} more" if len(drifted) > 5 else "")
        summary = (
            f"Dataset drift on {record.name} v{record.version}: {len(drifted)} of {total} features "
            f"drifted {where} ({named}); {result.sizes}"
        )
    else:
        summary = (
            f"No dataset drift on {record.name} v{record.version}: "
            f"{len(drifted)} of {total} features drifted {where}; {result.sizes}"
        )
    return Finding(DATASET_DRIFT, result.drifted, summary, details, page)


def _feature_finding(
    record: ModelVersion, rule: AlertRule, result: drift.DatasetDrift, feature: str, where: str, page: str
) -> Finding:
    """The feature's own verdict on the Drift page: drifted, stable, or not judged (too few rows)."""
    item = next(f for f in result.features if f.feature == feature)
    firing = {drift.DRIFTED: True, drift.STABLE: False}.get(item.status)
    details = {
        "feature": feature,
        "status": item.status,
        "test": item.test,
        "statistic": _rounded(item.statistic),
        "threshold": _rounded(item.threshold),
        "adjusted_p": _rounded(item.adjusted_p),
        "psi": _rounded(item.psi),
        "rows": item.current_rows,
        "reference_rows": item.reference_rows,
        "min_rows": result.thresholds.min_rows,
        "window": rule.window,
    }
    sizes = f"{item.current_rows:,} logged rows against {item.reference_rows:,} reference rows"
    if firing is None:
        reason = (
            drift.not_enough_text(min(item.current_rows, item.reference_rows), result.thresholds.min_rows)
            if item.status == drift.NOT_ENOUGH
            else "no values to test"
        )
        summary = f"{record.name}: feature {feature}: {reason}, {where}; drift is not judged"
        return Finding(FEATURE_DRIFT, None, summary, details, page)
    verdict = "drifted" if firing else "is stable"
    summary = (
        f"Feature {feature} of {record.name} v{record.version} {verdict} {where}: {item.test} "
        f"{item.statistic:.4g} against a threshold of {item.threshold:.3g}; {sizes}"
    )
    return Finding(FEATURE_DRIFT, firing, summary, details, page)


def _rounded(value: float) -> float | None:
    return round(value, 6) if value is not None and math.isfinite(value) else None


def _not_enough(kind: str, record: ModelVersion, rows: int, needed: int, where: str, page: str) -> Finding:
    """Undecided, in the words the Drift page uses for the same window."""
    summary = f"{record.name}: {drift.not_enough_text(rows, needed)}, {where}; drift is not judged"
    return Finding(kind, None, summary, {"rows": rows, "min_rows": needed}, page)


def performance_drop(
    engine: sa.Engine,
    registry: ModelRegistry,
    record: ModelVersion,
    rule: AlertRule,
    drop: PerformanceDrop,
    now: dt.datetime | None,
) -> Finding:
    """The live metric of the active version's labelled rows in the window, against its reference value."""
    if drop.metric.startswith(ESTIMATED_PREFIX):
        try:
            return Finding(PERFORMANCE_DROP, *estimated_drop(engine, registry, record, rule, drop, now))
        except EstimateMismatch as exc:
            raise RuleMismatch(str(exc)) from None
    page = "/performance?" + urlencode({"model": record.name, "version": record.version, "source": live.LIVE})
    reference = record.metrics.get(drop.metric)
    if reference is None or not math.isfinite(reference):
        known = ", ".join(sorted(record.metrics)) or "none"
        raise RuleMismatch(
            f"{record.name} v{record.version} has no reference {drop.metric} to compare with "
            f"(its metrics: {known})"
        )
    spec = logged_data.last_days(record.name, rule.window_days, now, version=record.version)
    rows = labelled_window(engine, record, spec)
    meta = rows.meta
    counted = meta["verdict"].notna() if drop.metric == "accuracy" else meta["outcome"].notna()
    labels = int(counted.sum())
    where = f"in the last {rule.window_days} days"
    details: dict[str, Any] = {
        "metric": drop.metric,
        "reference": round(reference, 6),
        "labels": labels,
        "logged": rows.logged,
        "window": rule.window,
    }
    if labels < drop.min_labels:
        summary = (
            f"{record.name} v{record.version}: {labels} predictions with feedback {where}; "
            f"live {drop.metric} needs at least {drop.min_labels}"
        )
        return Finding(PERFORMANCE_DROP, None, summary, details, page)
    value = live.live_metrics(meta[rows.with_feedback], record).get(drop.metric)
    if value is None or not math.isfinite(value):
        summary = (
            f"{record.name} v{record.version}: live {drop.metric} cannot be computed "
            f"from the feedback {where}"
        )
        return Finding(PERFORMANCE_DROP, None, summary, details, page)
    worse = drop.worsening(reference, value)
    limit = drop.limit(reference)
    details.update(live=round(value, 6), worsening=round(worse, 6), limit=round(limit, 6))
    firing = worse > limit
    verdict = "dropped" if firing else "holds"
    summary = (
        f"Live {drop.metric} of {record.name} v{record.version} {verdict}: {value:.4g} {where} "
        f"against {reference:.4g} on reference data ({labels} labelled predictions; "
        f"alert when {drop.describe()})"
    )
    return Finding(PERFORMANCE_DROP, firing, summary, details, page)
