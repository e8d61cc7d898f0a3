"""Drift decision thresholds, kept apart from the numpy code so settings can check them at start-up.

The defaults are the ones Evidently documents (see ``models.drift``); ``PORTAL_DRIFT_THRESHOLDS``
and a model's metadata override them per model. ``min_rows`` is the smallest sample a test decides
on (below it the verdict is "not enough data"), and ``multiple_testing`` chooses between the
per-feature p-value rule (``none``) and Benjamini-Hochberg control of the false discovery rate
(``bh``) across the features tested by p-value.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

MULTIPLE_TESTING = ("none", "bh")


@dataclasses.dataclass(frozen=True)
class DriftThresholds:
    """Decision thresholds; configurable per model, defaults as documented above."""

    p_value: float = 0.05
    wasserstein: float = 0.1
    jensenshannon: float = 0.1
    psi: float = 0.1
    drift_share: float = 0.5
    small_reference: int = 1000
    low_cardinality: int = 5
    min_rows: int = 100
    multiple_testing: str = "none"

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> DriftThresholds:
        """Thresholds from model metadata or config; a bad entry raises ValueError naming it."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        parsed: dict[str, Any] = {}
        for key, raw in (values or {}).items():
            if key not in known:
                raise ValueError(f"unknown drift threshold {key!r}; expected one of {', '.join(known)}")
            if key == "multiple_testing":
                if raw not in MULTIPLE_TESTING:
                    raise ValueError(
                        f"drift threshold 'multiple_testing' must be one of {', '.join(MULTIPLE_TESTING)}, "
                        f"not {raw!r}"
                    )
                parsed[key] = raw
                continue
            if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
                raise ValueError(f"drift threshold {key!r} must be a number, not {raw!r}")
            if key in ("small_reference", "low_cardinality", "min_rows"):
                lowest = 1 if key == "min_rows" else 0
                if raw < lowest or int(raw) != raw:
                    raise ValueError(
                        f"drift threshold {key!r} must be a whole number >= {lowest}, not {raw!r}"
                    )
                parsed[key] = int(raw)
            elif not 0 < raw <= (1 if key in ("p_value", "drift_share") else 1e6):
                raise ValueError(f"drift threshold {key!r} is out of range: {raw!r}")
            else:
                parsed[key] = float(raw)
        return cls(**parsed)


DEFAULT_THRESHOLDS = DriftThresholds()
