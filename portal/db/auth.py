"""API tokens (stored as hashes only) and the audit log of admin actions."""

from __future__ import annotations

import sqlalchemy as sa

from portal.db import metadata

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_id", sa.String(16), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    # sha256 hex of the secret; the secret itself is shown once and never stored.
    sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    # Comma-separated model names; empty means every model.
    sa.Column("models", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('viewer', 'analyst', 'admin')", name="role"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("target", sa.String(500), nullable=False, server_default=""),
    sa.Column("details", sa.Text, nullable=False, server_default="{}"),
    sa.Column("remote_addr", sa.String(64), nullable=False, server_default=""),
    sa.Index("ix_audit_log_at", "at"),
)
