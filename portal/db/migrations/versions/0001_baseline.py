"""Baseline: an empty schema that later migrations build on.

Revision ID: 0001_baseline
Revises:
Created: 2026-11-21
"""

from __future__ import annotations

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet; Alembic records the revision so every later migration has a parent."""


def downgrade() -> None:
    """Nothing to undo."""
