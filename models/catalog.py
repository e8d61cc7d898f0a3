"""The Models page's tables as plain frames: what the page shows is exactly what its CSV exports."""

from __future__ import annotations

import pandas as pd

from models.registry import ModelRegistry, ModelVersion

CATEGORY_SEPARATOR = " | "


def versions_frame(registry: ModelRegistry, name: str) -> pd.DataFrame:
    """One row per version, newest first, with each hold-out metric in its own column."""
    versions = registry.versions(name)
    active = registry.active_version(name) if versions else None
    rows = []
    for record in reversed(versions):
        row = {
            "version": record.version,
            "active": record.version == active,
            "task": record.task,
            "target": record.target,
            "created_utc": record.created_at,
            "sha256": record.model_sha256,
        }
        row.update({f"metric_{key}": value for key, value in record.metrics.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def schema_frame(record: ModelVersion) -> pd.DataFrame:
    """One row per input feature: type, whether required, and the values or range seen in training."""
    rows = []
    for spec in record.schema:
        rows.append(
            {
                "feature": spec.name,
                "type": spec.kind,
                "required": spec.required,
                "categories": CATEGORY_SEPARATOR.join(str(c) for c in spec.categories)
                if spec.categories is not None
                else "",
                "minimum": spec.minimum,
                "maximum": spec.maximum,
            }
        )
    return pd.DataFrame(rows, columns=["feature", "type", "required", "categories", "minimum", "maximum"])
