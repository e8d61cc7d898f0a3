"""The Drift page's view as a JSON document: what ``GET /api/v1/models/<name>/drift`` answers.

It carries the same verdict the page, its CSV and alert rules give (``DatasetDrift.verdict``), the
rows compared on both sides, the thresholds in force and each feature's row of the table.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pandas as pd

from models.registry import ModelVersion
from portal.monitoring.drift import DriftView
from portal.predlog.windows import WindowSpec


def _number(value: Any) -> Any:
    """JSON has no NaN or infinity: those become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{key: _number(value) for key, value in row.items()} for row in frame.to_dict("records")]


def _moment(value: Any) -> str | None:
    return None if value is None else pd.Timestamp(value).isoformat()


def drift_document(
    record: ModelVersion, window: str, spec: WindowSpec, view: DriftView, note: str = ""
) -> dict[str, Any]:
    """Everything the page shows for one window, with NaN as null."""
    result = view.result
    features = [
        {
            "feature": item.feature,
            "kind": item.kind,
            "test": item.test,
            "status": item.status,
            "drifted": item.drifted,
            "statistic": _number(item.statistic),
            "threshold": _number(item.threshold),
            "adjusted_p": _number(item.adjusted_p),
            "psi": _number(item.psi),
            "reference_rows": item.reference_rows,
            "current_rows": item.current_rows,
        }
        for item in result.features
    ]
    return {
        "model": record.name,
        "version": record.version,
        "window": window,
        "window_note": note,
        "since": _moment(spec.since),
        "until": _moment(spec.until),
        "verdict": {
            "status": result.status,
            "text": result.verdict if view.window_rows else "No logged predictions in this window",
            "drifted": result.drifted,
            "drifted_share": result.drifted_share if result.enough else None,
            "drifted_features": result.drifted_features,
            "features_judged": len(result.decided_features),
            "features": len(result.features),
            "sizes": result.sizes,
        },
        "rows": {
            "logged": view.window_rows,
            "compared": view.tested_rows,
            "reference": view.reference_rows,
            "sampled": view.tested_rows < view.window_rows,
            "min_rows": result.thresholds.min_rows,
        },
        "thresholds": dataclasses.asdict(result.thresholds),
        "features": features,
        "history": _records(view.history),
        "prediction_spread": _records(view.spread),
    }
