"""Retrain a challenger like the champion on reference plus labelled logged rows, and compare them.

The held-out set is chosen so neither version has trained on it: a seeded ``HOLDOUT_SHARE`` of the
champion's reference rows (the champion never trained on its reference data) plus the same seeded
share of the labelled logged rows. The challenger trains on the rest of both. Both versions are
scored on exactly those held-out rows, which become the challenger's reference data.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from models.comparison import compare
from models.registry import LoadedModel, ModelRegistry, ModelVersion
from models.schema import SchemaError
from models.training import register_fitted

log = logging.getLogger(__name__)
HOLDOUT_SHARE = 0.3
CARRIED_METADATA = ("id_column", "time_column", "population", "description")


@dataclasses.dataclass(frozen=True)
class RetrainResult:
    """The registered challenger and the comparison against the champion."""

    champion: int
    challenger: ModelVersion
    report: dict[str, Any]


def split(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training and held-out rows: a seeded ``HOLDOUT_SHARE`` of the rows is held out."""
    mask = np.random.default_rng(seed).random(len(frame)) < HOLDOUT_SHARE
    return frame[~mask], frame[mask]


def retrain(
    registry: ModelRegistry,
    champion: LoadedModel,
    logged: pd.DataFrame,
    seed: int = 0,
) -> RetrainResult:
    """Fit ``clone(champion)`` on the training split, register it inactive, and compare on the hold-out.

    ``logged`` holds the labelled logged rows: the model's features and its target column.
    """
    record = champion.version
    target = record.target
    reference = registry.reference(record.name, record.version)
    columns = list(reference.columns)
    logged = logged.reindex(columns=columns)
    logged = logged[logged[target].notna()]
    ref_train, ref_hold = split(reference[reference[target].notna()], seed)
    log_train, log_hold = split(logged, seed + 1)
    train = pd.concat([ref_train, log_train], ignore_index=True)
    holdout = pd.concat([ref_hold, log_hold], ignore_index=True)
    if holdout.empty or train.empty:
        raise SchemaError("too few labelled rows to train and hold out; add reference data or feedback")
    if record.task == "classification":
        train[target] = train[target].astype(reference[target].dtype, errors="ignore")
        holdout[target] = holdout[target].astype(reference[target].dtype, errors="ignore")
        if train[target].nunique() < 2:
            raise SchemaError("the training rows hold only one class; a classifier needs at least two")
    challenger = clone(champion.estimator)
    challenger.fit(train[record.feature_names], train[target])
    extra = {key: record.metadata[key] for key in CARRIED_METADATA if key in record.metadata}
    extra.update(
        parent_version=record.version,
        training_rows=len(train),
        retrain={
            "seed": seed,
            "reference_train_rows": len(ref_train),
            "logged_train_rows": len(log_train),
            "reference_holdout_rows": len(ref_hold),
            "logged_holdout_rows": len(log_hold),
        },
    )
    version = register_fitted(registry, record.name, challenger, holdout, target, activate=False, extra=extra)
    report = compare(
        champion, registry.load(record.name, version.version), holdout, record.metadata.get("id_column")
    )
    report["holdout"] = (
        f"{len(ref_hold)} of v{record.version}'s reference rows and {len(log_hold)} labelled logged rows, "
        f"a seeded {HOLDOUT_SHARE:.0%} of each (seed {seed}); neither version trained on them"
    )
    report["training"] = {"reference_rows": len(ref_train), "logged_rows": len(log_train)}
    log.info(
        "challenger trained",
        extra={"model": record.name, "champion": record.version, "challenger": version.version},
    )
    return RetrainResult(record.version, version, report)
