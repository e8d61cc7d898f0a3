"""Find one record by its id in a model's population or reference data, for what-if starting points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from models.registry import ModelRegistry, ModelVersion


def record_source(record: ModelVersion) -> Path:
    """The file whose rows carry the model's record ids: the population, else the reference data."""
    population = record.metadata.get("population")
    if population and Path(population).is_file():
        return Path(population)
    return record.path / "reference.parquet"


def find_record(registry: ModelRegistry, record: ModelVersion, record_id: str) -> dict[str, Any] | None:
    """The model inputs of the row whose id column equals ``record_id``, or None when absent.

    Uses Parquet predicate push-down, so looking up one id in a million rows reads little.
    """
    id_column = record.metadata.get("id_column")
    if not id_column or not record_id:
        return None
    path = record_source(record)
    try:
        frame = pd.read_parquet(
            path, columns=[id_column, *record.feature_names], filters=[(id_column, "==", record_id)]
        )
    except (KeyError, ValueError):
        return None
    if frame.empty:
        return None
    row = frame.iloc[0]
    values: dict[str, Any] = {}
    for name in record.feature_names:
        value = row[name]
        if pd.isna(value):
            values[name] = None
        elif isinstance(value, pd.Timestamp):
            values[name] = value.date().isoformat()
        else:
            values[name] = value.item() if hasattr(value, "item") else value
    return values


def typical_values(registry: ModelRegistry, record: ModelVersion) -> dict[str, Any]:
    """A neutral starting case: medians of numeric inputs, most common categories and dates."""
    reference = registry.reference(record.name, record.version)
    values: dict[str, Any] = {}
    for spec in record.schema:
        column = reference[spec.name].dropna()
        if column.empty:
            values[spec.name] = None
        elif spec.kind == "numeric":
            median = float(column.median())
            values[spec.name] = round(median) if spec.integer else round(median, 4)
        elif spec.kind == "datetime":
            values[spec.name] = pd.Timestamp(column.sort_values().iloc[len(column) // 2]).date().isoformat()
        else:
            value = column.mode().iloc[0]
            values[spec.name] = value.item() if hasattr(value, "item") else value
    return values
