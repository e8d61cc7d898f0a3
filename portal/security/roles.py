"""The three roles, ordered, and how configured groups map onto them."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.config import Settings

EVERYONE = "*"


class Role(enum.IntEnum):
    """Each role may do everything the roles below it may."""

    VIEWER = 1
    ANALYST = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, raw: str) -> Role:
        """``viewer``/``analyst``/``admin`` -> Role; ValueError names the choices."""
        try:
            return cls[raw.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown role {raw!r}; expected viewer, analyst or admin") from None


def role_for_groups(settings: Settings, groups: Iterable[str]) -> Role | None:
    """The highest role any of ``groups`` grants, or None when the user has no portal role."""
    member = set(groups) | {EVERYONE}
    for role, configured in (
        (Role.ADMIN, settings.admin_groups),
        (Role.ANALYST, settings.analyst_groups),
        (Role.VIEWER, settings.viewer_groups),
    ):
        if member & configured:
            return role
    return None


def split_groups(raw: str) -> tuple[str, ...]:
    """Group names separated by commas only, each trimmed, blanks dropped.

    Every other character, ``;`` included, belongs to a name: a proxy that sends ``viewers;admins``
    names one group, which grants nothing unless that exact name is configured.
    """
    return tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
