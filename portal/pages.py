"""The portal's pages as plain data, handed down from the app factory.

The gate, embed links, reports and the navbar need to know which pages exist; they get this
index through ``Services`` instead of importing ``layouts``, so imports keep flowing downward.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

# The navbar's menus, in order: what an analyst came to do, rather than 13 flat links.
NAV_GROUPS = ("Explore", "Monitor", "Score", "Models", "Manage")


@dataclasses.dataclass(frozen=True)
class PageEntry:
    """One navigable page: its layout module, path, navbar name and position, and whether admins only."""

    module: str
    path: str
    name: str
    order: int
    admin: bool = False
    group: str = ""


@dataclasses.dataclass(frozen=True)
class PageIndex:
    """Every registered page, in registration order."""

    entries: tuple[PageEntry, ...]

    @classmethod
    def of(cls, entries: Iterable[PageEntry]) -> PageIndex:
        return cls(tuple(entries))

    @property
    def paths(self) -> list[str]:
        """Pages an embed link, a report or an API client may name (admin pages never)."""
        return [entry.path for entry in self.entries if not entry.admin]

    @property
    def admin_paths(self) -> list[str]:
        return [entry.path for entry in self.entries if entry.admin]

    @property
    def modules(self) -> dict[str, str]:
        """Layout module -> page path, so the gate can attribute each callback to its page."""
        return {entry.module: entry.path for entry in self.entries}

    def navigation(self) -> list[PageEntry]:
        """Every page in navbar order."""
        return sorted(self.entries, key=lambda entry: entry.order)

    def menus(self) -> list[tuple[str, list[PageEntry]]]:
        """Top-level pages as (name, [page]) and each menu of NAV_GROUPS with its pages, in navbar order."""
        ungrouped = [(entry.name, [entry]) for entry in self.navigation() if not entry.group]
        grouped = [(group, [e for e in self.navigation() if e.group == group]) for group in NAV_GROUPS]
        return ungrouped + [(group, entries) for group, entries in grouped if entries]
