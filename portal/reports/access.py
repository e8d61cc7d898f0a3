"""Who may start a report run from the Reports page: the one place a later roles issue changes."""

from __future__ import annotations


def may_run_now() -> bool:
    """Anyone who can see the page, until roles exist; then only admins (checked on the request)."""
    return True
