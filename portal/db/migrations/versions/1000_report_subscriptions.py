"""Report subscriptions: reports defined from a page, stored in the database.

Revision ID: 1000_report_subscriptions
Revises: 0900_scheduler
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1000_report_subscriptions"
down_revision = "0900_scheduler"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Constraint and index names follow the MetaData naming convention (portal/db/__init__.py)."""
    op.create_table(
        "report_subscriptions",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("page", sa.String(200), nullable=False),
        sa.Column("query", sa.JSON, nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("cadence", sa.JSON, nullable=False),
        sa.Column("schedule", sa.String(100), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("deliveries", sa.JSON, nullable=False),
        sa.Column("condition", sa.String(32), nullable=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("owner_role", sa.String(16), nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.CheckConstraint("format IN ('png', 'pdf')", name="ck_report_subscriptions_format"),
        sa.CheckConstraint(
            "owner_role IN ('viewer', 'analyst', 'admin')", name="ck_report_subscriptions_owner_role"
        ),
        sa.PrimaryKeyConstraint("name", name="pk_report_subscriptions"),
    )
    op.create_index("ix_report_subscriptions_owner", "report_subscriptions", ["owner"])


def downgrade() -> None:
    op.drop_table("report_subscriptions")
