"""Alerts raised by the monitoring rules: dataset drift and live-performance drops.

Revision ID: 0600_alerts
Revises: 0500_auth
Created: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0600_alerts"
down_revision = "0500_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """One row per raised alert; constraint names follow the MetaData naming convention."""
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.Integer, autoincrement=True, nullable=False),
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
        sa.CheckConstraint("kind IN ('dataset_drift', 'performance_drop')", name="ck_alerts_kind"),
        sa.CheckConstraint("status IN ('open', 'resolved')", name="ck_alerts_status"),
        sa.PrimaryKeyConstraint("alert_id", name="pk_alerts"),
    )
    op.create_index("ix_alerts_rule_kind_status", "alerts", ["rule", "kind", "status"])
    op.create_index("ix_alerts_model_status", "alerts", ["model_name", "status"])


def downgrade() -> None:
    op.drop_table("alerts")
