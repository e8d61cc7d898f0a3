"""Batch scoring jobs: what was uploaded, by whom, how far scoring got, and where the result is."""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import metadata

# pending -> running -> done | failed | cancelled; expired once the retention removed the files.
STATUSES = ("pending", "running", "done", "failed", "cancelled", "expired")

batch_jobs = sa.Table(
    "batch_jobs",
    metadata,
    sa.Column("batch_id", sa.String(32), primary_key=True),
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
    # Touched after every chunk; a running job whose heartbeat stops is shown as failed.
    sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(
        "status IN ('pending', 'running', 'done', 'failed', 'cancelled', 'expired')", name="status"
    ),
    sa.Index("ix_batch_jobs_created_at", "created_at"),
)
