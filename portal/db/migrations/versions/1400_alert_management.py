"""Alerts people manage: acknowledgement and silence on each alert, and recurring mute windows.

Revision ID: 1400_alert_management
Revises: 1100_verdicts
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1400_alert_management"
down_revision = "1100_verdicts"
branch_labels = None
depends_on = None

ALERT_COLUMNS = (
    ("acknowledged_by", sa.String(200)),
    ("acknowledged_at", sa.DateTime(timezone=True)),
    ("acknowledge_comment", sa.String(500)),
    ("silenced_until", sa.DateTime(timezone=True)),
    ("silenced_by", sa.String(200)),
    ("silenced_at", sa.DateTime(timezone=True)),
    ("silence_comment", sa.String(500)),
)


def upgrade() -> None:
    """Nullable columns on ``alerts`` (old rows are neither acknowledged nor silenced) and a new table."""
    with op.batch_alter_table("alerts") as batch:
        for name, kind in ALERT_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_table(
        "alert_mute_windows",
        sa.Column("window_id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("rule", sa.String(64), nullable=True),
        sa.Column("weekdays", sa.String(40), nullable=False),
        sa.Column("start_time", sa.String(5), nullable=False),
        sa.Column("end_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("comment", sa.String(500), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("window_id", name="pk_alert_mute_windows"),
        sa.UniqueConstraint("name", name="uq_alert_mute_windows_name"),
    )


def downgrade() -> None:
    op.drop_table("alert_mute_windows")
    with op.batch_alter_table("alerts") as batch:
        for name, _kind in reversed(ALERT_COLUMNS):
            batch.drop_column(name)
