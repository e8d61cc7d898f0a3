"""A performance_drop on an estimated metric: judged on the window's logged outputs, no labels needed.

The version's estimator (CBPE or DLE, fitted once per version) reads the window's output column
(and inputs, for a regressor) in chunks; fewer rows than the rule's ``min_rows`` (and never fewer
than the estimate's own minimum) leave the condition undecided.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from models import estimators, live
from models.estimation import CBPE, MIN_ROWS, merge
from models.estimation_dle import LossSums
from models.registry import ModelRegistry, ModelVersion
from portal.alerts.rules import ESTIMATED_PREFIX, AlertRule, PerformanceDrop
from portal.predlog import estimates as log_estimates
from portal.predlog import windows as logged_data


class EstimateMismatch(ValueError):
    """The rule's estimated metric does not fit this model (another task, or no estimator)."""


def estimated_drop(
    engine: sa.Engine,
    registry: ModelRegistry,
    record: ModelVersion,
    rule: AlertRule,
    drop: PerformanceDrop,
    now: dt.datetime | None,
) -> tuple[bool | None, str, dict[str, Any], str]:
    """The estimated metric of the active version's window against its reference: a Finding's parts.

    Returns (firing, summary, details, page); EstimateMismatch when the metric does not fit the model.
    """
    metric = drop.metric.removeprefix(ESTIMATED_PREFIX)
    if metric not in estimators.metrics_for(record):
        raise EstimateMismatch(
            f"{record.name} v{record.version} ({record.task}) has no {drop.metric}; "
            f"expected one of {', '.join(ESTIMATED_PREFIX + m for m in estimators.metrics_for(record))}"
        )
    try:
        fitted = estimators.estimator(registry, None, record.name, record.version)
    except estimators.EstimationUnavailable as exc:
        raise EstimateMismatch(str(exc)) from None
    reference = record.metrics.get(metric, fitted.reference_metrics.get(metric))
    page = "/performance?" + urlencode({"model": record.name, "version": record.version, "source": live.LIVE})
    spec = logged_data.last_days(record.name, rule.window_days, now, version=record.version)
    if isinstance(fitted, CBPE):
        days = log_estimates.probability_bins(engine, spec, record.classes[-1], fitted)
        estimate = fitted.estimate(merge(list(days.values())))
    else:
        losses = log_estimates.loss_sums(engine, spec, record, fitted)
        estimate = fitted.estimate(sum(losses.values(), LossSums()))
    where = f"in the last {rule.window_days} days"
    needed = max(rule.min_rows, MIN_ROWS)
    details: dict[str, Any] = {
        "metric": drop.metric,
        "reference": round(float(reference), 6) if reference is not None else None,
        "rows": estimate.rows,
        "min_rows": needed,
        "window": rule.window,
    }
    value = estimate.metrics.get(metric)
    if estimate.rows < needed or value is None or reference is None or not math.isfinite(value):
        summary = (
            f"{record.name} v{record.version}: {estimate.rows} logged rows {where}; "
            f"{drop.metric} needs at least {needed}"
        )
        return None, summary, details, page
    worse = drop.worsening(float(reference), value)
    limit = drop.limit(float(reference))
    error = estimate.standard_errors.get(metric, 0.0)
    details.update(
        estimated=round(value, 6),
        standard_error=round(error, 6),
        worsening=round(worse, 6),
        limit=round(limit, 6),
    )
    firing = worse > limit
    verdict = "dropped" if firing else "holds"
    summary = (
        f"Estimated {metric} of {record.name} v{record.version} {verdict}: {value:.4g} ±{3 * error:.2g} "
        f"{where} against {float(reference):.4g} on reference data ({estimate.rows} rows, no labels "
        f"needed; alert when {drop.describe()})"
    )
    return firing, summary, details, page
