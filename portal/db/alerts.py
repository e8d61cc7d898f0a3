"""Alert tables: every raised alert with its deliveries, acknowledgement and silence; mute windows."""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import metadata

ALERT_KINDS = ("dataset_drift", "feature_drift", "performance_drop")
ALERT_STATUSES = ("open", "resolved")

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("alert_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("model_name", sa.String(200), nullable=False),
    sa.Column("model_version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("page", sa.String(500), nullable=False),
    sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("deliveries", sa.JSON, nullable=False),
    sa.Column("acknowledged_by", sa.String(200), nullable=True),
    sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("acknowledge_comment", sa.String(500), nullable=True),
    # Notices are not delivered before this time; the alert is still recorded and shown.
    sa.Column("silenced_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("silenced_by", sa.String(200), nullable=True),
    sa.Column("silenced_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("silence_comment", sa.String(500), nullable=True),
    sa.CheckConstraint(
        "kind IN ('dataset_drift', 'feature_drift', 'performance_drop', 'data_quality')", name="kind"
    ),
    sa.CheckConstraint("status IN ('open', 'resolved')", name="status"),
    sa.Index("ix_alerts_rule_kind_status", "rule", "kind", "status"),
    sa.Index("ix_alerts_model_status", "model_name", "status"),
)

# A recurring time when notices of one rule (or of every rule, when ``rule`` is null) are held back.
alert_mute_windows = sa.Table(
    "alert_mute_windows",
    metadata,
    sa.Column("window_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("rule", sa.String(64), nullable=True),
    # Comma-separated mon..sun: the days a window starts on.
    sa.Column("weekdays", sa.String(40), nullable=False),
    # HH:MM local times; an end at or before the start runs past midnight, 24:00 is the day's end.
    sa.Column("start_time", sa.String(5), nullable=False),
    sa.Column("end_time", sa.String(5), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("comment", sa.String(500), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
