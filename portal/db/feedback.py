"""Analyst feedback on logged predictions, and the audit of model promotions and rollbacks.

Feedback is append-only: every submission is a row, and the newest row per prediction is the
one that counts, so a correction never loses what was said before.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import metadata

# "demo": the simulated outcomes `portal demo` gives its history (portal.feedback.demo_outcomes).
FEEDBACK_SOURCES = ("page", "csv", "api", "demo")
VERDICTS = ("correct", "incorrect")
PROMOTION_ACTIONS = ("promote", "rollback")

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("feedback_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("prediction_id", sa.String(32), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False),
    # The true outcome as JSON text typed by the model: a class label or a number; NULL when only a verdict.
    sa.Column("outcome", sa.Text, nullable=True),
    sa.Column("verdict", sa.String(16), nullable=True),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.CheckConstraint("source IN ('page', 'csv', 'api', 'demo')", name="source"),
    sa.CheckConstraint("verdict IS NULL OR verdict IN ('correct', 'incorrect')", name="verdict"),
    sa.CheckConstraint("outcome IS NOT NULL OR verdict IS NOT NULL", name="something"),
    sa.Index("ix_feedback_prediction", "prediction_id", "feedback_id"),
    sa.Index("ix_feedback_model_time", "model_name", "created_at"),
)

model_promotions = sa.Table(
    "model_promotions",
    metadata,
    sa.Column("promotion_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("from_version", sa.Integer, nullable=True),
    sa.Column("to_version", sa.Integer, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("origin", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('promote', 'rollback')", name="action"),
    sa.Index("ix_model_promotions_model_time", "model_name", "created_at"),
)
