"""Logged predictions at chosen times, steady or shifted, so alert rules have something to judge."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from models import inference
from models.prediction_ids import new_prediction_id
from portal.predlog.recorder import feature_documents, output_documents


def services_of(app):
    return app.server.extensions["portal.services"]


def shifted(frame: pd.DataFrame, record) -> pd.DataFrame:
    """Every numeric input moved by five standard deviations and every category collapsed to one."""
    moved = frame.copy()
    for spec in record.schema:
        column = moved[spec.name]
        if spec.kind == "categorical" and spec.categories:
            moved[spec.name] = spec.categories[0]
        elif pd.api.types.is_numeric_dtype(column):
            moved[spec.name] = column + 5 * (column.std() or 1.0)
    return moved


def log_at(app, frame: pd.DataFrame, at: dt.datetime, model: str = "churn") -> list[str]:
    """Predict ``frame`` with the active version and log it as if served over the hour before ``at``."""
    services = services_of(app)
    record = services.registry.get(model)
    inputs = frame[record.feature_names].reset_index(drop=True)
    result = inference.predict(services.registry, services.inference_cache, model, inputs, record.version)
    offsets = np.linspace(3600, 60, len(inputs))
    times = [at - dt.timedelta(seconds=float(s)) for s in offsets]
    ids = [new_prediction_id(int(when.timestamp() * 1000)) for when in times]
    entries = [
        {
            "prediction_id": pid,
            "created_at": when.isoformat(),
            "model_name": record.name,
            "model_version": record.version,
            "source": "api",
            "batch_id": None,
            "user_name": "tester",
            "features": features,
            "output": output,
        }
        for pid, when, features, output in zip(
            ids, times, feature_documents(inputs), output_documents(result), strict=True
        )
    ]
    assert services.prediction_log.write(entries), "the log must reach the database, not the spool"
    return ids


def reference_rows(app, rows: int, model: str = "churn", start: int = 0) -> pd.DataFrame:
    services = services_of(app)
    record = services.registry.get(model)
    return (
        services.registry.reference(model, record.version).iloc[start : start + rows].reset_index(drop=True)
    )
