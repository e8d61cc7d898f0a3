"""What a setting is: one environment variable, its default, its parser and its operational effect."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any


class ConfigError(Exception):
    """A configuration mistake; the message names the variable and what to set."""


@dataclasses.dataclass(frozen=True)
class Setting:
    """One configurable value: where it is read from and why it matters.

    A ``secret`` is never shown or echoed, and may instead be read from the file that its
    ``<env>_FILE`` variable names (a mounted Docker or Kubernetes secret).
    """

    field: str
    env: str
    default: str
    parse: Callable[[str], Any]
    help: str
    secret: bool = False
