"""Who may start a report run from the Reports page: admins (the gate also checks the callback)."""

from __future__ import annotations

from portal.security.principal import current_principal
from portal.security.roles import Role


def may_run_now() -> bool:
    """Only a signed-in admin (or everyone with ``PORTAL_AUTH=none``, who is an anonymous admin)."""
    principal = current_principal()
    return principal is not None and principal.has(Role.ADMIN)
