"""The log's (model, time) index also carries the prediction id, so drift samples read only the index.

Drift tests a uniform sample of a large window, chosen by the random part of the prediction id;
with the id in the index, the database picks the sample without touching the rows it skips.

Revision ID: 0700_log_time_id_index
Revises: 0600_alerts
Created: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0700_log_time_id_index"
down_revision = "0600_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_prediction_log_model_time_id", "prediction_log", ["model_name", "created_at", "prediction_id"]
    )
    op.drop_index("ix_prediction_log_model_time", table_name="prediction_log")


def downgrade() -> None:
    op.create_index("ix_prediction_log_model_time", "prediction_log", ["model_name", "created_at"])
    op.drop_index("ix_prediction_log_model_time_id", table_name="prediction_log")
