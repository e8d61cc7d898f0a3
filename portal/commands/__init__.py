"""Sub-commands of the ``portal`` CLI, one module each, imported only when asked for.

Each module has ``configure(parser)``, which declares its arguments and sets ``handler``; the
handler takes the settings and the parsed arguments and raises :class:`CliError` for a user's
mistake. ``ready`` opens a checked database engine for the commands that need one.

May import: anything in the project, ``layouts`` included: commands sit at the top, beside the app
factory, and nothing imports them but ``portal.cli``.
"""

from __future__ import annotations


class CliError(Exception):
    """A user mistake on the command line; printed as one line, exit code 2."""
