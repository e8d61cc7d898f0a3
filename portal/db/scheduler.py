"""The scheduler's state: every scheduled job's next run, each scheduled fire's fate, and who ticks.

It lives in the database, not in a scheduler's memory, so a restart knows what it missed and any
number of schedulers on one database agree on what is due.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import metadata

RUN_STATUSES = ("running", "succeeded", "failed", "skipped")

# One row per job a scheduler has seen ("report:<name>", "alert:<name>"): where it is defined
# (``origin``: file, database), the cron its next run was computed from, so a changed schedule is
# noticed, and what happened last.
scheduler_jobs = sa.Table(
    "scheduler_jobs",
    metadata,
    sa.Column("job", sa.String(200), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("origin", sa.String(40), nullable=False),
    sa.Column("schedule", sa.String(100), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_scheduled_for", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_status", sa.String(20), nullable=True),
    sa.Column("last_detail", sa.Text, nullable=True),
    sa.Column("last_instance", sa.String(200), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_scheduler_jobs_active_next", "active", "next_run_at"),
)

# One row per scheduled fire that came due: run (on time or caught up late) or skipped, and why.
scheduler_runs = sa.Table(
    "scheduler_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("late_seconds", sa.Float, nullable=False),
    sa.Column("coalesced", sa.Integer, nullable=False),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("instance", sa.String(200), nullable=False),
    sa.CheckConstraint("status IN ('running', 'succeeded', 'failed', 'skipped')", name="status"),
    sa.Index("ix_scheduler_runs_started", "started_at"),
    sa.Index("ix_scheduler_runs_job_started", "job", "started_at"),
)

# One row per scheduler process (or per host for one-shot ticks): its heartbeat and clean stop.
scheduler_instances = sa.Table(
    "scheduler_instances",
    metadata,
    sa.Column("instance", sa.String(200), primary_key=True),
    sa.Column("host", sa.String(200), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_tick_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("problem", sa.Text, nullable=True),
)
