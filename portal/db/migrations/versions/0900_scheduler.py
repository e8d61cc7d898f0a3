"""The scheduler's persistent state: jobs with their next runs, each scheduled fire, and instances.

Revision ID: 0900_scheduler
Revises: 0800_log_day_counts
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0900_scheduler"
down_revision = "0800_log_day_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Constraint and index names follow the MetaData naming convention (portal/db/__init__.py)."""
    op.create_table(
        "scheduler_jobs",
        sa.Column("job", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("origin", sa.String(40), nullable=False),
        sa.Column("schedule", sa.String(100), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(20), nullable=True),
        sa.Column("last_detail", sa.Text, nullable=True),
        sa.Column("last_instance", sa.String(200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", name="pk_scheduler_jobs"),
    )
    op.create_index("ix_scheduler_jobs_active_next", "scheduler_jobs", ["active", "next_run_at"])
    op.create_table(
        "scheduler_runs",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("job", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("late_seconds", sa.Float, nullable=False),
        sa.Column("coalesced", sa.Integer, nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("instance", sa.String(200), nullable=False),
        sa.CheckConstraint(
            "status IN ('running', 'succeeded', 'failed', 'skipped')", name="ck_scheduler_runs_status"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_scheduler_runs"),
    )
    op.create_index("ix_scheduler_runs_started", "scheduler_runs", ["started_at"])
    op.create_index("ix_scheduler_runs_job_started", "scheduler_runs", ["job", "started_at"])
    op.create_table(
        "scheduler_instances",
        sa.Column("instance", sa.String(200), nullable=False),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_tick_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("problem", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("instance", name="pk_scheduler_instances"),
    )


def downgrade() -> None:
    op.drop_table("scheduler_instances")
    op.drop_table("scheduler_runs")
    op.drop_table("scheduler_jobs")
