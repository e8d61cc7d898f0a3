"""Logged rows per model, version and UTC day, filled from the rows already logged.

Revision ID: 0800_log_day_counts
Revises: 0700_log_time_id_index
Created: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0800_log_day_counts"
down_revision = "0700_log_time_id_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prediction_log_days",
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("model_version", sa.Integer, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("model_name", "model_version", "day", name="pk_prediction_log_days"),
    )
    if op.get_bind().dialect.name == "sqlite":
        day = "substr(created_at, 1, 10)"
    else:
        day = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    op.execute(
        "INSERT INTO prediction_log_days (model_name, model_version, day, rows) "
        f"SELECT model_name, model_version, {day}, count(*) FROM prediction_log "
        f"GROUP BY model_name, model_version, {day}"
    )


def downgrade() -> None:
    op.drop_table("prediction_log_days")
