"""The one exception the notebook functions raise for a caller's mistake."""

from __future__ import annotations


class NotebookError(ValueError):
    """A bad argument to ``register`` or ``show``; the message says what to change, as the CLI's would."""
