"""The ``report_runs`` table: one row per screenshot report run, so failures are visible afterwards."""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import metadata

report_runs = sa.Table(
    "report_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("report", sa.String(100), nullable=False),
    sa.Column("trigger", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("duration_seconds", sa.Float, nullable=True),
    sa.Column("progress", sa.String(200), nullable=False, server_default=""),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("outputs", sa.JSON, nullable=False),
    sa.Column("deliveries", sa.JSON, nullable=False),
    sa.Index("ix_report_runs_report_started", "report", "started_at"),
)
