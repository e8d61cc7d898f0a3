"""The portal's pages as plain data, handed down from the app factory.

The gate, embed links, reports and the navbar need to know which pages exist; they get this
index through ``Services`` instead of importing ``layouts``, so imports keep flowing downward.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable


@dataclasses.dataclass(frozen=True)
class PageEntry:
    """One navigable page: its layout module, path, navbar name and position, and whether admins only."""

    module: str
    path: str
    name: str
    order: int
    admin: bool = False


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
