"""Shared helpers for feedback, live performance and retrain tests: log real predictions first."""

from __future__ import annotations

import pandas as pd

from models import inference


def services_of(app):
    return app.server.extensions["portal.services"]


def log_predictions(app, model: str = "churn", rows: int = 20, start: int = 0, source: str = "api"):
    """Predict reference rows with the active version and log them; returns (ids, frame, result, actual)."""
    services = services_of(app)
    record = services.registry.get(model)
    reference = services.registry.reference(model, record.version).iloc[start : start + rows]
    frame = reference[record.feature_names].reset_index(drop=True)
    result = inference.predict(services.registry, services.inference_cache, model, frame, record.version)
    ids = services.prediction_log.record_frame(result, frame, source=source)
    actual = reference[record.target].reset_index(drop=True)
    predicted = pd.Series([r["prediction"] for r in result.records()])
    return ids, reference.reset_index(drop=True), predicted, actual
