"""Callback registration: each page module adds its callbacks to the given app."""

from __future__ import annotations

import dash

from callbacks import (
    admin_tokens,
    alert_rule_list,
    alert_rules,
    alerts,
    batch,
    compare,
    drift,
    feedback,
    home,
    model_catalog,
    overview,
    performance,
    reports,
    subscribe,
    whatif,
)
from portal.services import Services

PAGE_CALLBACKS = (
    home,
    overview,
    performance,
    drift,
    alerts,
    whatif,
    model_catalog,
    batch,
    feedback,
    compare,
    reports,
    admin_tokens,
    subscribe,
    alert_rules,
    alert_rule_list,
)


def register_all(app: dash.Dash, services: Services) -> None:
    """Register every page's callbacks on ``app`` (never on Dash's process-global list)."""
    for module in PAGE_CALLBACKS:
        module.register(app, services)
