"""Join the report-runs and prediction-log branches, which both start from the baseline.

Revision ID: 0300_merge_reports_predlog
Revises: 0100_report_runs, 0200_prediction_log
Created: 2026-11-21
"""

from __future__ import annotations

revision = "0300_merge_reports_predlog"
down_revision = ("0100_report_runs", "0200_prediction_log")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: both parents' tables already exist; this only gives Alembic one head."""


def downgrade() -> None:
    """Nothing to undo."""
