"""The open-alerts banner at the top of the Overview: what fired, when, and where to look."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from portal.alerts.notices import KIND_NAMES
from portal.alerts.store import Alert

LINK_TEXT = {
    "dataset_drift": "Open the Drift page",
    "feature_drift": "Open the feature on the Drift page",
    "performance_drop": "Open live performance",
}
STAMP = "%Y-%m-%d %H:%M UTC"


def banner(alerts: list[Alert]) -> list[Component]:
    """One box per open alert of the model (at most one per rule and condition), or nothing."""
    return [_box(alert) for alert in alerts]


def _box(alert: Alert) -> Component:
    kind = KIND_NAMES.get(alert.kind, alert.kind)
    return dbc.Alert(
        [
            html.I(className="bi bi-exclamation-triangle-fill me-2", **{"aria-hidden": "true"}),
            html.Strong(f"Open alert: {kind} ({alert.rule}). "),
            html.Span(f"{alert.summary}. "),
            html.Span(
                f"Raised {alert.raised_at.strftime(STAMP)}, "
                f"last confirmed {alert.last_seen_at.strftime(STAMP)}. ",
                className="small",
            ),
            html.A(LINK_TEXT.get(alert.kind, "Open"), href=alert.page, className="alert-link"),
        ],
        color="danger" if alert.kind in ("dataset_drift", "feature_drift") else "warning",
        className="py-2 mb-2 portal-alert",
    )
