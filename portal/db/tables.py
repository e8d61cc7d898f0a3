"""Imports every table module, so ``metadata`` is complete for Alembic's autogenerate and the tests.

Add a line here when a new ``portal/db/<table>.py`` module defines a table.
"""

from __future__ import annotations

from portal.db import (
    alert_rules,
    alerts,
    auth,
    batches,
    data_quality,
    feedback,
    metadata,
    prediction_log,
    report_runs,
    report_subscriptions,
    scheduler,
    shadow,
)

__all__ = [
    "alert_rules",
    "alerts",
    "auth",
    "batches",
    "data_quality",
    "feedback",
    "metadata",
    "prediction_log",
    "report_runs",
    "report_subscriptions",
    "scheduler",
    "shadow",
]
