"""The data-quality view as JSON, for ``GET /api/v1/models/<name>/quality``."""

from __future__ import annotations

from typing import Any

from models.data_quality import FeatureCounts
from models.registry import ModelVersion
from portal.monitoring.quality import DAY_MIN_ROWS, QualityView

EXAMPLES = 5


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def feature_numbers(counts: FeatureCounts) -> dict[str, Any]:
    """Counts and shares of one feature over some rows, with a few unseen values and their counts."""
    return {
        "rows": counts.rows,
        "missing": counts.missing,
        "missing_share": _rounded(counts.share(counts.missing)),
        "below_min": counts.below,
        "above_max": counts.above,
        "out_of_range": counts.out_of_range,
        "out_of_range_share": _rounded(counts.share(counts.out_of_range)),
        "unseen": counts.unseen,
        "unseen_share": _rounded(counts.share(counts.unseen)),
        "unseen_examples": [{"value": v, "count": n} for v, n in counts.unseen_values[:EXAMPLES]],
    }


def refusal_list(refused: dict[str, tuple[int, int]]) -> list[dict[str, Any]]:
    """Refused predict requests by reason, most requests first."""
    ranked = sorted(refused.items(), key=lambda item: (-item[1][0], item[0]))
    return [{"reason": reason, "requests": requests, "rows": rows} for reason, (requests, rows) in ranked]


def quality_document(
    record: ModelVersion, window: str, view: QualityView, version: int | None, note: str = ""
) -> dict[str, Any]:
    """Per feature: the window's totals and each day's numbers; per day: rows and refusals."""
    features = []
    for name, kind in view.kinds.items():
        total = view.totals.get(name, FeatureCounts())
        periods = []
        for day in view.days:
            counts = day.features.get(name, FeatureCounts())
            periods.append({"day": day.day, "enough": day.enough, **feature_numbers(counts)})
        features.append({"feature": name, "kind": kind, **feature_numbers(total), "periods": periods})
    return {
        "model": record.name,
        "version": record.version,
        "rows_version": version,
        "window": window,
        "window_note": note,
        "status": "ok" if view.enough else "not enough data",
        "text": view.status_text,
        "rows": view.rows,
        "min_rows": view.min_rows,
        "day_min_rows": DAY_MIN_ROWS,
        "features": features,
        "days": [
            {
                "day": d.day,
                "rows": d.rows,
                "enough": d.enough,
                "sampled": d.sampled,
                "refused": refusal_list(d.refused),
            }
            for d in view.days
        ],
        "refused": refusal_list(view.refused),
    }
