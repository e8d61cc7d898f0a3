"""Alembic migration environment for the portal database."""
