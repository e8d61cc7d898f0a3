"""The ``alerts`` table: every raised alert, open until its condition clears, with its deliveries."""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import metadata

ALERT_KINDS = ("dataset_drift", "performance_drop")
ALERT_STATUSES = ("open", "resolved")

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("alert_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("model_version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("page", sa.String(500), nullable=False),
    sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("deliveries", sa.JSON, nullable=False),
    sa.CheckConstraint("kind IN ('dataset_drift', 'performance_drop')", name="kind"),
    sa.CheckConstraint("status IN ('open', 'resolved')", name="status"),
    sa.Index("ix_alerts_rule_kind_status", "rule", "kind", "status"),
    sa.Index("ix_alerts_model_status", "model_name", "status"),
)
