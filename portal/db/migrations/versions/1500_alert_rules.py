"""Alert rules made from the pages, and the feature-drift kind of alert.

Revision ID: 1500_alert_rules
Revises: 1700_shadow
Created: 2026-12-07
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "1500_alert_rules"
down_revision = "1700_shadow"
branch_labels = None
depends_on = None

FEATURE_DRIFT = "feature_drift"
# The kinds before this migration, if the alerts table's check cannot be read.
KNOWN_KINDS = ("dataset_drift", "performance_drop")


def upgrade() -> None:
    """Constraint and index names follow the MetaData naming convention (portal/db/__init__.py)."""
    op.create_table(
        "alert_rules",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("window", sa.String(8), nullable=False),
        sa.Column("min_rows", sa.Integer, nullable=False),
        sa.Column("dataset_drift", sa.Boolean, nullable=False),
        sa.Column("feature_drift", sa.String(200), nullable=True),
        sa.Column("performance_metric", sa.String(32), nullable=True),
        sa.Column("performance_by", sa.Float, nullable=True),
        sa.Column("performance_relative", sa.Boolean, nullable=False),
        sa.Column("performance_min_labels", sa.Integer, nullable=True),
        sa.Column("schedule", sa.String(100), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("deliveries", sa.JSON, nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_alert_rules"),
    )
    op.create_index("ix_alert_rules_model", "alert_rules", ["model"])
    _set_kinds([*_current_kinds(), FEATURE_DRIFT])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM alerts WHERE kind = 'feature_drift'"))
    _set_kinds([kind for kind in _current_kinds() if kind != FEATURE_DRIFT])
    op.drop_table("alert_rules")


def _current_kinds() -> list[str]:
    """The kinds the alerts table allows now, so other migrations' kinds are kept whatever their order."""
    for check in sa.inspect(op.get_bind()).get_check_constraints("alerts"):
        if check["name"].endswith("alerts_kind"):
            return list(dict.fromkeys(re.findall(r"'([a-z_]+)'", check["sqltext"])))
    return list(KNOWN_KINDS)


def _set_kinds(kinds: list[str]) -> None:
    """Replace the alerts' kind check (SQLite rebuilds the table in batch mode to do it)."""
    condition = "kind IN (" + ", ".join(f"'{kind}'" for kind in dict.fromkeys(kinds)) + ")"
    with op.batch_alter_table("alerts") as batch:
        batch.drop_constraint("ck_alerts_kind", type_="check")
        batch.create_check_constraint("ck_alerts_kind", condition)
