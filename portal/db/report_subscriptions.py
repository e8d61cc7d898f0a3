"""The ``report_subscriptions`` table: reports people defined from a page, scheduled beside the file's."""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import metadata

report_subscriptions = sa.Table(
    "report_subscriptions",
    metadata,
    # Unique across the reports file too: the store refuses a name the file already uses.
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("page", sa.String(200), nullable=False),
    sa.Column("query", sa.JSON, nullable=False),
    sa.Column("format", sa.String(8), nullable=False),
    # What the dialog shows (daily/weekly/monthly/cron, day, time), and the cron it compiles to.
    sa.Column("cadence", sa.JSON, nullable=False),
    sa.Column("schedule", sa.String(100), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("deliveries", sa.JSON, nullable=False),
    # "alert_open": deliver only while an alert on the page's model is open; NULL: always.
    sa.Column("condition", sa.String(32), nullable=True),
    # Who the report renders as: the subscriber and the role they held when they saved it.
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("owner_role", sa.String(16), nullable=False),
    sa.Column("paused", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.CheckConstraint("format IN ('png', 'pdf')", name="format"),
    sa.CheckConstraint("owner_role IN ('viewer', 'analyst', 'admin')", name="owner_role"),
    sa.Index("ix_report_subscriptions_owner", "owner"),
)
