"""Sub-commands of the ``portal`` CLI, one module each."""

from __future__ import annotations


class CliError(Exception):
    """A user mistake on the command line; printed as one line, exit code 2."""
