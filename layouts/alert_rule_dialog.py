""" "Alert me when…": a button, its dialog, and the list of alert rules on the page's model.

Drawn on the Drift page and the live Performance page (any page may mount :func:`panel`); the
dialog opens prefilled from the page's URL state, and ``callbacks/alert_rules.py`` saves it through
the reports file's own checks. Viewers see the button disabled with the reason; embeds see nothing.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import delivery_fields, labelled_field
from portal import ids
from portal.monitoring.drift import ROLLING
from portal.reports.access import current_subscriber
from portal.security.principal import current_principal
from portal.security.roles import Role

SCHEDULES = {
    "*/15 * * * *": "Every 15 minutes",
    "0 * * * *": "Every hour",
    "0 */6 * * *": "Every 6 hours",
    "0 7 * * *": "Every day at 07:00",
}
DEFAULT_SCHEDULE = "0 * * * *"


def denial() -> str | None:
    """Why the requester may not make rules (None: they may); page rules need an analyst."""
    subscriber = current_subscriber()
    if subscriber is None:
        return "Sign in to make alert rules."
    if subscriber.role < Role.ANALYST:
        return f"Making alert rules needs the analyst role; you are {subscriber.role.label}."
    return None


def panel(model: str) -> Component:
    """The button, the list of rules on ``model`` (filled by a callback) and the dialog; empty for embeds."""
    principal = current_principal()
    if principal is not None and current_subscriber() is None:
        return html.Div(id=ids.ALERT_RULE_PANEL, hidden=True)
    reason = denial() if principal is not None else None
    button = dbc.Button(
        "Alert me when…",
        id=ids.ALERT_RULE_OPEN,
        color="primary",
        outline=True,
        size="sm",
        disabled=reason is not None,
        title=reason or "Get an email or a webhook when this model drifts or its live metric drops",
        className="portal-interactive",
    )
    heading = html.Div(
        [
            html.H5("Alert rules on this model", className="mb-0 me-auto"),
            button,
        ],
        className="d-flex align-items-center gap-2 mb-1",
    )
    return html.Div(
        [
            heading,
            html.P(reason, className="small text-muted mb-1 portal-alert-rule-denied") if reason else None,
            html.Div(id=ids.ALERT_RULE_LIST_FEEDBACK, role="status"),
            html.Div(id=ids.ALERT_RULE_LIST, className="mb-3"),
            dcc.Store(id=ids.ALERT_RULE_SCOPE, data={"model": model}),
            dcc.Store(id=ids.ALERT_RULE_CHANGED, data=0),
            dialog(),
        ],
        id=ids.ALERT_RULE_PANEL,
        className="portal-alert-rules mb-3",
    )


def _drift_fields() -> Component:
    return html.Div(
        [
            html.Div(
                labelled_field(
                    "Feature", dcc.Dropdown(id=ids.ALERT_RULE_FEATURE, options=[], clearable=False)
                ),
                id=ids.ALERT_RULE_FEATURE_ROW,
            ),
            labelled_field(
                "Judge only with at least (rows)",
                dbc.Input(id=ids.ALERT_RULE_MIN_ROWS, value="100", inputMode="numeric"),
                "fewer logged rows in the window: not judged (never below the model's drift min_rows)",
            ),
        ],
        id=ids.ALERT_RULE_DRIFT_ROW,
    )


def _drop_fields() -> Component:
    return html.Div(
        dbc.Row(
            [
                dbc.Col(labelled_field("Metric", dbc.Select(id=ids.ALERT_RULE_METRIC, options=[])), md=4),
                dbc.Col(
                    labelled_field(
                        "Drops by more than",
                        dbc.Input(id=ids.ALERT_RULE_BY, value="", placeholder="0.05 or 10"),
                        "against the version's reference metric",
                    ),
                    md=3,
                ),
                dbc.Col(
                    labelled_field(
                        "As",
                        dbc.RadioItems(
                            id=ids.ALERT_RULE_UNIT,
                            options=[
                                {"label": "metric units", "value": "absolute"},
                                {"label": "% of reference", "value": "percent"},
                            ],
                            value="absolute",
                        ),
                    ),
                    md=2,
                ),
                dbc.Col(
                    labelled_field(
                        "Min labels",
                        dbc.Input(id=ids.ALERT_RULE_MIN_LABELS, value="50", inputMode="numeric"),
                        "fewer predictions with feedback: not judged",
                    ),
                    md=3,
                ),
            ],
            className="g-2",
        ),
        id=ids.ALERT_RULE_DROP_ROW,
    )


def dialog() -> Component:
    """The modal; the callbacks fill the model, its features and metrics when it opens."""
    body = [
        dcc.Store(id=ids.ALERT_RULE_LOCATION),
        labelled_field("Title", dbc.Input(id=ids.ALERT_RULE_TITLE, maxLength=200)),
        labelled_field(
            "Model", dbc.Input(id=ids.ALERT_RULE_MODEL, readonly=True), "the page's model, active version"
        ),
        labelled_field("Alert me when", dbc.RadioItems(id=ids.ALERT_RULE_WATCH, options=[], value=None)),
        labelled_field(
            "Over the logged predictions of the",
            dbc.Select(
                id=ids.ALERT_RULE_WINDOW,
                options=[{"label": f"Last {days} days", "value": key} for key, days in ROLLING.items()],
                value="7d",
            ),
        ),
        html.Div(id=ids.ALERT_RULE_WINDOW_NOTE, className="small text-muted mb-2"),
        _drift_fields(),
        _drop_fields(),
        dbc.Row(
            [
                dbc.Col(
                    labelled_field(
                        "Check",
                        dbc.Select(
                            id=ids.ALERT_RULE_SCHEDULE,
                            options=[{"label": label, "value": cron} for cron, label in SCHEDULES.items()],
                            value=DEFAULT_SCHEDULE,
                        ),
                    ),
                    md=6,
                ),
                dbc.Col(
                    labelled_field("Time zone", dbc.Input(id=ids.ALERT_RULE_TIMEZONE, value="UTC")), md=6
                ),
            ],
            className="g-2",
        ),
        html.Hr(),
        *delivery_fields(ids.ALERT_RULE_EMAIL, ids.ALERT_RULE_WEBHOOK, ids.ALERT_RULE_WEBHOOK_STYLE),
        html.Div(id=ids.ALERT_RULE_FEEDBACK, role="status"),
    ]
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Alert me when…")),
            dbc.ModalBody(body),
            dbc.ModalFooter(
                [
                    dbc.Button("Save", id=ids.ALERT_RULE_SAVE, color="primary"),
                    dbc.Button("Close", id=ids.ALERT_RULE_CLOSE, color="link"),
                ]
            ),
        ],
        id=ids.ALERT_RULE_MODAL,
        is_open=False,
        size="lg",
        scrollable=True,
    )


def rule_rows(rules: list[dict], heading_model: str) -> Component:
    """The rules on the model: file rules read-only, page rules with pause/resume and delete if allowed."""
    if not rules:
        return html.P(f"No alert rule watches {heading_model} yet.", className="small text-muted mb-0")
    items = []
    for item in rules:
        badges = [
            dbc.Badge("from the reports file", color="secondary", className="me-1")
            if item["source"] == "file"
            else dbc.Badge(
                "paused" if item["paused"] else "active",
                color="warning" if item["paused"] else "success",
                className="me-1",
            )
        ]
        actions = []
        if item["may_change"]:
            verb = "resume" if item["paused"] else "pause"
            actions = [
                dbc.Button(
                    verb.title(),
                    id={"type": ids.ALERT_RULE_ACTION, "name": item["name"], "action": verb},
                    size="sm",
                    color="secondary",
                    outline=True,
                    className="me-1 portal-interactive",
                ),
                dcc.ConfirmDialogProvider(
                    dbc.Button(
                        "Delete", size="sm", color="danger", outline=True, className="portal-interactive"
                    ),
                    id={"type": ids.ALERT_RULE_DELETE, "name": item["name"]},
                    message=f"Delete the alert rule {item['name']!r}? Its open alerts are resolved.",
                ),
            ]
        owner = f" · by {item['owner']}" if item.get("owner") else ""
        items.append(
            dbc.ListGroupItem(
                html.Div(
                    [
                        html.Div(
                            [
                                html.Div(
                                    [
                                        *badges,
                                        html.Strong(item["title"]),
                                        html.Span(f" ({item['name']})", className="text-muted"),
                                    ]
                                ),
                                html.Div(
                                    f"{'; '.join(item['watches'])} · last {item['window']} · "
                                    f"{item['when'].lower()} · "
                                    f"{', '.join(item['deliveries']) or 'no delivery'}{owner}",
                                    className="small text-muted",
                                ),
                            ],
                            className="me-auto",
                        ),
                        html.Div(actions, className="text-nowrap"),
                    ],
                    className="d-flex align-items-center gap-2 portal-alert-rule",
                    **{"data-rule": item["name"], "data-source": item["source"]},
                ),
            )
        )
    return dbc.ListGroup(items, flush=True)
