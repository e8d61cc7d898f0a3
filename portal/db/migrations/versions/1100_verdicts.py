"""Feedback may come from the demo: its simulated outcomes are stored with source 'demo'.

Revision ID: 1100_verdicts
Revises: 1000_report_subscriptions
Created: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "1100_verdicts"
down_revision = "1000_report_subscriptions"
branch_labels = None
depends_on = None


def _source_check(allowed: str) -> None:
    # Batch mode rebuilds the table on SQLite, which cannot alter a constraint in place.
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("ck_feedback_source", type_="check")
        batch.create_check_constraint("ck_feedback_source", f"source IN ({allowed})")


def upgrade() -> None:
    _source_check("'page', 'csv', 'api', 'demo'")


def downgrade() -> None:
    op.execute("DELETE FROM feedback WHERE source = 'demo'")
    _source_check("'page', 'csv', 'api'")
