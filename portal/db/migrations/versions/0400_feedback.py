"""Feedback on logged predictions, and the audit of model promotions and rollbacks.

Revision ID: 0400_feedback
Revises: 0300_merge_reports_predlog
Created: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0400_feedback"
down_revision = "0300_merge_reports_predlog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create both tables; constraint names follow the MetaData naming convention."""
    op.create_table(
        "feedback",
        sa.Column("feedback_id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("prediction_id", sa.String(32), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("outcome", sa.Text, nullable=True),
        sa.Column("verdict", sa.String(16), nullable=True),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.CheckConstraint("source IN ('page', 'csv', 'api')", name="ck_feedback_source"),
        sa.CheckConstraint(
            "verdict IS NULL OR verdict IN ('correct', 'incorrect')", name="ck_feedback_verdict"
        ),
        sa.CheckConstraint("outcome IS NOT NULL OR verdict IS NOT NULL", name="ck_feedback_something"),
        sa.PrimaryKeyConstraint("feedback_id", name="pk_feedback"),
    )
    op.create_index("ix_feedback_prediction", "feedback", ["prediction_id", "feedback_id"])
    op.create_index("ix_feedback_model_time", "feedback", ["model_name", "created_at"])
    op.create_table(
        "model_promotions",
        sa.Column("promotion_id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("from_version", sa.Integer, nullable=True),
        sa.Column("to_version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("action IN ('promote', 'rollback')", name="ck_model_promotions_action"),
        sa.PrimaryKeyConstraint("promotion_id", name="pk_model_promotions"),
    )
    op.create_index("ix_model_promotions_model_time", "model_promotions", ["model_name", "created_at"])


def downgrade() -> None:
    op.drop_table("model_promotions")
    op.drop_table("feedback")
