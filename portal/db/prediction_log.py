"""The prediction log: one row per prediction the portal showed or returned, the base for monitoring.

Features and output are JSON documents kept as text, so a million-row batch is written from
strings built in bulk (pandas' JSON writer) rather than one ``json.dumps`` per row.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import metadata

SOURCES = ("ui", "api", "batch")

prediction_log = sa.Table(
    "prediction_log",
    metadata,
    # 32 hex characters, time-ordered (models.prediction_ids); the key makes spool replays idempotent.
    sa.Column("prediction_id", sa.String(32), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("model_version", sa.Integer, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("batch_id", sa.String(32), nullable=True),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("features", sa.Text, nullable=False),
    sa.Column("output", sa.Text, nullable=False),
    sa.CheckConstraint("source IN ('ui', 'api', 'batch')", name="source"),
    # The id rides along so a drift sample (by the id's random part) is read from the index alone.
    sa.Index("ix_prediction_log_model_time_id", "model_name", "created_at", "prediction_id"),
    sa.Index("ix_prediction_log_batch_id", "batch_id"),
)

# Logged rows per model, version and UTC day, kept in the same transaction as the rows themselves
# (portal.predlog.day_counts), so coverage and per-day counts never count millions of log rows.
prediction_log_days = sa.Table(
    "prediction_log_days",
    metadata,
    sa.Column("model_name", sa.String(200), primary_key=True),
    sa.Column("model_version", sa.Integer, primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),  # YYYY-MM-DD, UTC
    sa.Column("rows", sa.BigInteger, nullable=False),
)
