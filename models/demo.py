"""Build the demo: a seeded churn dataset and two registered models trained on it."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from models import demo_data, demo_models
from models.registry import ModelRegistry, ModelVersion
from models.training import register_fitted

log = logging.getLogger(__name__)
DEMO_MODELS = {"churn": demo_data.CLASSIFICATION_TARGET, "revenue": demo_data.REGRESSION_TARGET}
# Train on the months before the shift; the hold-out of those months is the reference data.
SHIFTED_MONTHS = 3
HOLDOUT_SHARE = 0.3


def split_for_training(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training rows and reference (hold-out) rows, both from the pre-shift months."""
    months = np.sort(frame[demo_data.TIME_COLUMN].unique())
    stable = frame[frame[demo_data.TIME_COLUMN] < months[-SHIFTED_MONTHS]]
    rng = np.random.default_rng(seed)
    holdout = rng.random(len(stable)) < HOLDOUT_SHARE
    return stable[~holdout], stable[holdout]


def build_demo(
    registry: ModelRegistry, dataset_dir: Path, rows: int = 200_000, seed: int = 42
) -> list[ModelVersion]:
    """Generate the data, fit both pipelines, register them, and save the scored population."""
    frame = demo_data.generate_churn_data(rows=rows, seed=seed)
    dataset_dir.mkdir(parents=True, exist_ok=True)
    population = dataset_dir / "churn_customers.parquet"
    frame.to_parquet(population, index=False)
    train, reference = split_for_training(frame, seed)
    features = list(demo_data.FEATURE_COLUMNS)
    builders = {"churn": demo_models.build_classifier, "revenue": demo_models.build_regressor}
    versions = []
    for name, target in DEMO_MODELS.items():
        pipeline = builders[name]()
        pipeline.fit(train[features], train[target])
        keep = [demo_data.ID_COLUMN, demo_data.TIME_COLUMN, *features, target]
        version = register_fitted(
            registry,
            name,
            pipeline,
            reference[keep].reset_index(drop=True),
            target,
            activate=True,
            extra={
                "description": f"Demo {name} model on synthetic subscription customers",
                "id_column": demo_data.ID_COLUMN,
                "time_column": demo_data.TIME_COLUMN,
                "population": str(population.resolve()),
                "training_rows": len(train),
                "seed": seed,
            },
        )
        log.info("demo model ready", extra={"model": name, "version": version.version})
        versions.append(version)
    return versions
