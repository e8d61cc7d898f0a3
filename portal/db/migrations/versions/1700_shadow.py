"""Shadow deployment: each live prediction's answer from the shadowed model version.

Revision ID: 1700_shadow
Revises: 1600_data_quality
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1700_shadow"
down_revision = "1600_data_quality"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shadow_predictions",
        sa.Column("prediction_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("live_version", sa.Integer, nullable=False),
        sa.Column("shadow_version", sa.Integer, nullable=False),
        sa.Column("live_prediction", sa.Text, nullable=False),
        sa.Column("shadow_prediction", sa.Text, nullable=False),
        sa.Column("live_score", sa.Float, nullable=True),
        sa.Column("shadow_score", sa.Float, nullable=True),
        sa.Column("changed", sa.Boolean, nullable=False),
        sa.Column("output", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("prediction_id", name="pk_shadow_predictions"),
    )
    op.create_index(
        "ix_shadow_predictions_model_version_time",
        "shadow_predictions",
        ["model_name", "shadow_version", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_shadow_predictions_model_version_time", table_name="shadow_predictions")
    op.drop_table("shadow_predictions")
