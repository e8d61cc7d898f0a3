"""The prediction log and the batch scoring jobs.

Revision ID: 0200_prediction_log
Revises: 0001_baseline
Created: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0200_prediction_log"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create both tables; names of constraints follow the MetaData naming convention."""
    op.create_table(
        "prediction_log",
        sa.Column("prediction_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("model_version", sa.Integer, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("batch_id", sa.String(32), nullable=True),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("features", sa.Text, nullable=False),
        sa.Column("output", sa.Text, nullable=False),
        sa.CheckConstraint("source IN ('ui', 'api', 'batch')", name="ck_prediction_log_source"),
        sa.PrimaryKeyConstraint("prediction_id", name="pk_prediction_log"),
    )
    op.create_index("ix_prediction_log_model_time", "prediction_log", ["model_name", "created_at"])
    op.create_index("ix_prediction_log_batch_id", "prediction_log", ["batch_id"])
    op.create_table(
        "batch_jobs",
        sa.Column("batch_id", sa.String(32), nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("file_bytes", sa.BigInteger, nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("model_version", sa.Integer, nullable=True),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows_total", sa.BigInteger, nullable=True),
        sa.Column("rows_done", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("error_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'done', 'failed', 'cancelled', 'expired')",
            name="ck_batch_jobs_status",
        ),
        sa.PrimaryKeyConstraint("batch_id", name="pk_batch_jobs"),
    )
    op.create_index("ix_batch_jobs_created_at", "batch_jobs", ["created_at"])


def downgrade() -> None:
    op.drop_table("batch_jobs")
    op.drop_table("prediction_log")
