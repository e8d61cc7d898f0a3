"""Who is asking, for how long, and what they may do: set once per request by the gate."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from flask import g, has_request_context

from portal.security.roles import Role

ANONYMOUS = "anonymous"


@dataclasses.dataclass(frozen=True)
class Principal:
    """The requester: a person (session or proxy), an API token, or an embed link for one page."""

    name: str
    groups: tuple[str, ...]
    role: Role | None
    source: str  # none | header | oidc | token | embed | metrics
    # An embed link allows one page; an API token may be limited to some models (empty = all).
    page: str | None = None
    models: tuple[str, ...] = ()
    # An embed link's pinned query values: the page's controls for them must keep these values.
    pinned: Mapping[str, str] = dataclasses.field(default_factory=dict, compare=False)

    def has(self, role: Role) -> bool:
        return self.role is not None and self.role >= role

    def may_use_model(self, model: str) -> bool:
        return not self.models or model in self.models

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "groups": list(self.groups),
            "role": self.role.label if self.role else None,
            "source": self.source,
        }


ANONYMOUS_ADMIN = Principal(ANONYMOUS, (), Role.ADMIN, "none")


def current_principal() -> Principal | None:
    """The requester the gate identified, or None outside a request or before the gate ran."""
    if not has_request_context():
        return None
    return g.get("portal_principal")


def set_principal(principal: Principal | None) -> None:
    g.portal_principal = principal
    g.portal_user = principal.name if principal else None
