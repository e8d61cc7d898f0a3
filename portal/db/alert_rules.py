"""The ``alert_rules`` table: "alert me when…" rules made from a page, checked beside the file's rules."""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import metadata

alert_rules = sa.Table(
    "alert_rules",
    metadata,
    # Unique across the reports file too: the store refuses a name the file already uses.
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("model", sa.String(128), nullable=False),
    sa.Column("window", sa.String(8), nullable=False),  # 7d, 30d or 90d: the Drift page's windows
    sa.Column("min_rows", sa.Integer, nullable=False),
    sa.Column("dataset_drift", sa.Boolean, nullable=False),
    # One input feature whose own drift verdict fires the rule; NULL: none watched on its own.
    sa.Column("feature_drift", sa.String(200), nullable=True),
    # A live metric worse than the reference by ``by`` (a fraction of it when relative); NULL: none.
    sa.Column("performance_metric", sa.String(32), nullable=True),
    sa.Column("performance_by", sa.Float, nullable=True),
    sa.Column("performance_relative", sa.Boolean, nullable=False),
    sa.Column("performance_min_labels", sa.Integer, nullable=True),
    sa.Column("schedule", sa.String(100), nullable=True),
    sa.Column("timezone", sa.String(64), nullable=False),
    # As the reports file writes them: [{"email": {"to": [...]}}, {"webhook": {"url": ..., "style": ...}}]
    sa.Column("deliveries", sa.JSON, nullable=False),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("paused", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.Index("ix_alert_rules_model", "model"),
)
