"""Record look-up, typical starting values and sensitivity sweeps behind the what-if page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from flask import Flask
from flask_caching import Cache

from models.records import find_record, typical_values
from models.registry import ModelRegistry
from models.sensitivity import sweep, sweep_values


@pytest.fixture(scope="module")
def registry(demo_models_dir: Path) -> ModelRegistry:
    return ModelRegistry(demo_models_dir / "models")


def test_wim001_find_record_returns_that_rows_inputs(registry) -> None:
    record = registry.get("churn")
    found = find_record(registry, record, "C0000007")
    population = pd.read_parquet(record.metadata["population"])
    row = population[population["customer_id"] == "C0000007"].iloc[0]
    assert found["plan"] == row["plan"]
    assert found["tenure_months"] == row["tenure_months"]
    assert found["signup_date"] == row["signup_date"].date().isoformat()
    assert find_record(registry, record, "missing-id") is None


def test_wim002_typical_values_are_valid_inputs(registry) -> None:
    from models.schema import validate_records

    record = registry.get("revenue")
    values = typical_values(registry, record)
    frame, errors, _ = validate_records([values], record.schema)
    assert errors == [] and frame is not None and len(frame) == 1


def test_wim003_sweep_covers_the_range_and_matches_the_model(registry) -> None:
    record = registry.get("churn")
    loaded = registry.load("churn")
    spec = next(s for s in record.schema if s.name == "tenure_months")
    values = sweep_values(spec, registry.reference("churn", record.version)["tenure_months"])
    assert values[0] == spec.minimum and values[-1] == spec.maximum
    contract = next(s for s in record.schema if s.name == "contract")
    assert sweep_values(contract, pd.Series(dtype=object)) == list(contract.categories)

    base = registry.reference("churn", record.version)[record.feature_names].head(1).reset_index(drop=True)
    app = Flask("t")
    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})
    with app.app_context():
        table = sweep(registry, cache, record, base, "tenure_months")
    frames = pd.concat([base] * len(table), ignore_index=True)
    frames["tenure_months"] = table["value"].astype(float)
    np.testing.assert_allclose(table["score"], loaded.estimator.predict_proba(frames)[:, -1], atol=1e-6)
