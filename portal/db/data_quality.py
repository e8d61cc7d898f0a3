"""Predict requests the REST API refused, counted per model, UTC day and reason.

Counts are upserted (``portal.monitoring.refusals``), so they survive restarts and every gunicorn
worker adds to the same rows.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import metadata

api_refusals = sa.Table(
    "api_refusals",
    metadata,
    sa.Column("model_name", sa.String(200), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),  # YYYY-MM-DD, UTC
    sa.Column("reason", sa.String(32), primary_key=True),
    # Refused requests with this reason, and the records they carried that had it (0 when unknown).
    sa.Column("requests", sa.BigInteger, nullable=False),
    sa.Column("rows", sa.BigInteger, nullable=False),
)
