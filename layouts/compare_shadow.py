"""Compare's shadow panel: which version scores live traffic in the shadow, and how it agrees."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import empty_state, table
from portal import ids
from portal.security.layout_guard import may
from portal.security.roles import Role
from portal.shadow.agreement import Agreement

# Shadow rows keep arriving while the page is open.
REFRESH_MS = 15_000


def panel() -> Component:
    """The card; its body is drawn by a callback, and only admins see the start and stop buttons."""
    admin = may(Role.ADMIN)
    buttons = html.Div(
        [
            dbc.Button("Shadow version B", id=ids.COMPARE_SHADOW_START, color="secondary", className="me-2"),
            dbc.Button("Stop shadowing", id=ids.COMPARE_SHADOW_STOP, color="outline-secondary"),
        ],
        className="mb-2",
        style=None if admin else {"display": "none"},
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H4("Shadow deployment"),
                html.P(
                    "A shadowed version scores every live prediction (API and What-if) off the request path; "
                    "its answers never reach the caller.",
                    className="small text-muted",
                ),
                buttons,
                html.Div(id=ids.COMPARE_SHADOW_STATUS),
                html.Div(id=ids.COMPARE_SHADOW_BODY),
                dcc.Store(id=ids.COMPARE_SHADOW_CHANGED),
                dcc.Interval(id=ids.COMPARE_SHADOW_REFRESH, interval=REFRESH_MS),
            ]
        ),
        className="mb-3",
    )


def body(name: str, active: int, shadow: int | None, found: list[Agreement]) -> Component:
    """The shadow's state line and one row per (live, shadow) pair with its agreement."""
    state = (
        html.Div(f"v{shadow} is in shadow of the active v{active}.", className="fw-semibold portal-shadow-on")
        if shadow is not None
        else html.Div(f"No version of {name} is in shadow.", className="text-muted portal-shadow-off")
    )
    if not found:
        return html.Div([state, empty_state("No shadow predictions are logged yet.")])
    metric = "accuracy" if found[0].metric == "accuracy" else "MAE"
    rows = [
        [
            f"v{a.live_version}",
            f"v{a.shadow_version}",
            a.rows,
            _share(a.changed_share),
            _number(a.mean_difference),
            a.labelled,
            _number(a.live_metric),
            _number(a.shadow_metric),
        ]
        for a in found
    ]
    columns = [
        "Live",
        "Shadow",
        "Live rows",
        "Class changed" if found[0].metric == "accuracy" else "Value changed",
        "Mean difference (shadow - live)",
        "Rows with outcomes",
        f"Live {metric}",
        f"Shadow {metric}",
    ]
    return html.Div([state, table(columns, rows, table_id="compare-shadow-agreement")])


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"
