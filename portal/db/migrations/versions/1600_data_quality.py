"""Refused REST predict requests per model, day and reason, for the data-quality view.

Revision ID: 1600_data_quality
Revises: 1400_alert_management
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1600_data_quality"
down_revision = "1400_alert_management"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """A new table; nothing existing changes."""
    op.create_table(
        "api_refusals",
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("requests", sa.BigInteger, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("model_name", "day", "reason", name="pk_api_refusals"),
    )


def downgrade() -> None:
    op.drop_table("api_refusals")
