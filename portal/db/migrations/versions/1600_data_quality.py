"""Refused REST predict requests per model, day and reason; alerts of kind ``data_quality``.

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


OLD_KINDS = "kind IN ('dataset_drift', 'performance_drop')"
NEW_KINDS = "kind IN ('dataset_drift', 'performance_drop', 'data_quality')"


def upgrade() -> None:
    """A new table, and alert rules may raise data-quality alerts."""
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint("ck_alerts_kind", type_="check")
        batch.create_check_constraint("ck_alerts_kind", NEW_KINDS)
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
    op.execute("DELETE FROM alerts WHERE kind = 'data_quality'")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint("ck_alerts_kind", type_="check")
        batch.create_check_constraint("ck_alerts_kind", OLD_KINDS)
