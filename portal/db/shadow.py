"""Shadow predictions: what a shadowed model version answered for each live prediction.

One row per live prediction id, so agreement and realized metrics of both versions are computed
by the database (counts and sums), never by reading the rows into a web worker.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import metadata

shadow_predictions = sa.Table(
    "shadow_predictions",
    metadata,
    # The live prediction's id (prediction_log.prediction_id): a replay can never add a second row.
    sa.Column("prediction_id", sa.String(32), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("live_version", sa.Integer, nullable=False),
    sa.Column("shadow_version", sa.Integer, nullable=False),
    # Predictions as JSON text, typed like feedback.outcome, so a label compares with one string test.
    sa.Column("live_prediction", sa.Text, nullable=False),
    sa.Column("shadow_prediction", sa.Text, nullable=False),
    # Binary classifiers: P(positive class); multiclass: the top probability; regressors: the value.
    sa.Column("live_score", sa.Float, nullable=True),
    sa.Column("shadow_score", sa.Float, nullable=True),
    sa.Column("changed", sa.Boolean, nullable=False),
    # The shadow version's full answer, shaped like prediction_log.output.
    sa.Column("output", sa.Text, nullable=False),
    sa.Index("ix_shadow_predictions_model_version_time", "model_name", "shadow_version", "created_at"),
)
