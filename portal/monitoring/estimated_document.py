"""Estimated and realized performance per period as JSON: what ``GET .../performance`` answers.

The overall ``status`` says whether there is anything to read: ``estimated`` (at least one period
has an estimate), ``not enough data`` (periods exist but none has ``min_rows`` rows), ``no data``
(nothing logged for the version) or ``unavailable`` (the version cannot be estimated; ``reason``).
"""

from __future__ import annotations

import math
from typing import Any

from models.estimation import MIN_ROWS
from portal.monitoring.estimated import EstimatedView, PeriodRow


def _number(value: Any) -> float | None:
    """JSON has no NaN or infinity: those become null."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def overall_status(view: EstimatedView) -> str:
    if view.unavailable:
        return "unavailable"
    if not view.periods:
        return "no data"
    if any(row.status == "estimated" for row in view.periods):
        return "estimated"
    return "not enough data"


def _period(row: PeriodRow, metrics: tuple[str, ...]) -> dict[str, Any]:
    estimated: dict[str, Any] = {}
    if row.estimate is not None and row.estimate.enough:
        for metric in metrics:
            if metric not in row.estimate.metrics:
                continue
            low, high = row.estimate.band(metric)
            estimated[metric] = {
                "value": _number(row.estimate.metrics[metric]),
                "standard_error": _number(row.estimate.standard_errors.get(metric)),
                "lower": _number(low),
                "upper": _number(high),
            }
    realized = {m: _number(row.realized[m]) for m in metrics if m in row.realized}
    return {
        "start": row.period.strftime("%Y-%m-%d"),
        "rows": row.rows,
        "labels": row.labels,
        "status": row.status,
        "note": row.note,
        "estimated": estimated,
        "realized": {m: v for m, v in realized.items() if v is not None},
    }


def estimated_document(view: EstimatedView) -> dict[str, Any]:
    """The view's periods oldest first, each with its estimate (±3 SE) and realized metrics."""
    record = view.record
    return {
        "model": record.name,
        "version": record.version,
        "task": record.task,
        "source": "live",
        "period": view.period,
        "metrics": list(view.metrics),
        "min_rows": MIN_ROWS,
        "calibrated": view.calibrated,
        "status": overall_status(view),
        "reason": view.unavailable,
        "assumption": (
            "Estimates assume inputs relate to outcomes as in the reference data (no concept shift)."
        ),
        "periods": [_period(row, view.metrics) for row in view.periods],
    }
