"""Why an action on an alert or a mute window was refused, in words a person can act on."""

from __future__ import annotations


class AlertInputError(ValueError):
    """The request is malformed or out of range; nothing was saved."""

    status = 422


class AlertNotFound(AlertInputError):
    """No alert or mute window has that id."""

    status = 404


class AlertConflict(AlertInputError):
    """The alert is in a state that does not allow the action (resolved, already acknowledged)."""

    status = 409
