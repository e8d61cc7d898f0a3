"""Report run history: one row per screenshot report run.

Revision ID: 0100_report_runs
Revises: 0001_baseline
Created: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0100_report_runs"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table the report runner writes and the Reports page reads."""
    op.create_table(
        "report_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report", sa.String(100), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Float, nullable=True),
        sa.Column("progress", sa.String(200), nullable=False, server_default=""),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("outputs", sa.JSON, nullable=False),
        sa.Column("deliveries", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_runs")),
    )
    op.create_index("ix_report_runs_report_started", "report_runs", ["report", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_report_runs_report_started", table_name="report_runs")
    op.drop_table("report_runs")
