"""The "Alert me when…" dialog: opened prefilled from the page's URL, saved through the store's checks."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import dash
import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import Input, Output, State, html

from callbacks.dialog_open import open_with_page_state
from layouts import alert_rule_dialog
from models import estimators
from models.registry import RegistryError
from portal import ids
from portal.alerts import rule_store
from portal.alerts.rule_store import Editor, RuleError
from portal.alerts.rules import DEFAULT_MIN_LABELS, DEFAULT_MIN_ROWS, ESTIMATED_PREFIX, METRICS
from portal.monitoring.drift import ROLLING, drift_kinds
from portal.reports.access import current_subscriber
from portal.security.policy import requires
from portal.security.roles import Role
from portal.services import Services

log = logging.getLogger(__name__)

OPEN_SCRIPT = open_with_page_state("alert-rule-close")
DRIFT_WATCHES = ("dataset_drift", "feature_drift")
DROP_WATCHES = ("performance_drop",)
# The reports file's field names, as the dialog labels them.
LABELS = {
    "name": "Title",
    "title": "Title",
    "model": "Model",
    "window": "Window",
    "min_rows": "Rows",
    "dataset_drift": "Alert me when",
    "feature_drift": "Feature",
    "performance_drop.metric": "Metric",
    "performance_drop.by": "Drops by",
    "performance_drop.min_labels": "Min labels",
    "performance_drop": "Metric",
    "schedule": "Check",
    "timezone": "Time zone",
    "role": "Role",
}
WATCH_LABELS = {
    "dataset_drift": "The dataset drifts (the Drift page's verdict)",
    "feature_drift": "One feature drifts",
    "performance_drop": "A live metric drops",
}


def register(app: dash.Dash, services: Services) -> None:
    app.clientside_callback(
        OPEN_SCRIPT,
        Output(ids.ALERT_RULE_MODAL, "is_open"),
        Output(ids.ALERT_RULE_LOCATION, "data"),
        Input(ids.ALERT_RULE_OPEN, "n_clicks"),
        Input(ids.ALERT_RULE_CLOSE, "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.ALERT_RULE_TITLE, "value"),
        Output(ids.ALERT_RULE_MODEL, "value"),
        Output(ids.ALERT_RULE_WATCH, "options"),
        Output(ids.ALERT_RULE_WATCH, "value"),
        Output(ids.ALERT_RULE_FEATURE, "options"),
        Output(ids.ALERT_RULE_FEATURE, "value"),
        Output(ids.ALERT_RULE_WINDOW, "value"),
        Output(ids.ALERT_RULE_WINDOW_NOTE, "children"),
        Output(ids.ALERT_RULE_METRIC, "options"),
        Output(ids.ALERT_RULE_METRIC, "value"),
        Output(ids.ALERT_RULE_TIMEZONE, "value"),
        Output(ids.ALERT_RULE_EMAIL, "value"),
        Output(ids.ALERT_RULE_FEEDBACK, "children"),
        Input(ids.ALERT_RULE_LOCATION, "data"),
        prevent_initial_call=True,
    )
    def prefill(location: dict[str, Any] | None) -> tuple[Any, ...]:
        if not isinstance(location, dict) or not isinstance(location.get("url"), str):
            return (dash.no_update,) * 13
        return prefilled(services, location["url"], str(location.get("tz") or "UTC")[:64])

    @app.callback(
        Output(ids.ALERT_RULE_DRIFT_ROW, "hidden"),
        Output(ids.ALERT_RULE_FEATURE_ROW, "hidden"),
        Output(ids.ALERT_RULE_DROP_ROW, "hidden"),
        Input(ids.ALERT_RULE_WATCH, "value"),
    )
    def show_fields(watch: str | None) -> tuple[bool, bool, bool]:
        return watch not in DRIFT_WATCHES, watch != "feature_drift", watch not in DROP_WATCHES

    @app.callback(
        Output(ids.ALERT_RULE_FEEDBACK, "children", allow_duplicate=True),
        Output(ids.ALERT_RULE_CHANGED, "data"),
        Input(ids.ALERT_RULE_SAVE, "n_clicks"),
        State(ids.ALERT_RULE_TITLE, "value"),
        State(ids.ALERT_RULE_MODEL, "value"),
        State(ids.ALERT_RULE_WATCH, "value"),
        State(ids.ALERT_RULE_FEATURE, "value"),
        State(ids.ALERT_RULE_WINDOW, "value"),
        State(ids.ALERT_RULE_MIN_ROWS, "value"),
        State(ids.ALERT_RULE_METRIC, "value"),
        State(ids.ALERT_RULE_BY, "value"),
        State(ids.ALERT_RULE_UNIT, "value"),
        State(ids.ALERT_RULE_MIN_LABELS, "value"),
        State(ids.ALERT_RULE_SCHEDULE, "value"),
        State(ids.ALERT_RULE_TIMEZONE, "value"),
        State(ids.ALERT_RULE_EMAIL, "value"),
        State(ids.ALERT_RULE_WEBHOOK, "value"),
        State(ids.ALERT_RULE_WEBHOOK_STYLE, "value"),
        State(ids.ALERT_RULE_CHANGED, "data"),
        prevent_initial_call=True,
    )
    @requires(Role.ANALYST)
    def save(
        clicks: int | None,
        title: str | None,
        model: str | None,
        watch: str | None,
        feature: str | None,
        window: str | None,
        min_rows: str | int | None,
        metric: str | None,
        by: str | float | None,
        unit: str | None,
        min_labels: str | int | None,
        schedule: str | None,
        timezone: str | None,
        email: str | None,
        webhook: str | None,
        style: str | None,
        changed: int | None,
    ) -> tuple[Any, Any]:
        if not clicks:
            return dash.no_update, dash.no_update
        body = dialog_body(
            title,
            model,
            watch,
            feature,
            window,
            min_rows,
            metric,
            by,
            unit,
            min_labels,
            schedule,
            timezone,
            email,
            webhook,
            style,
        )
        return save_body(services, body, int(changed or 0))


def prefilled(services: Services, url: str, timezone: str) -> tuple[Any, ...]:
    """The dialog's fields for the page at ``url``: its model, window and feature, or its live metrics."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    path = parts.path.rstrip("/")
    names = services.registry.names()
    model = query.get("model") if query.get("model") in names else (names[0] if names else "")
    features: list[str] = []
    metrics: list[str] = []
    if model:
        try:
            record = services.registry.get(model)
            features = list(drift_kinds(record))
            metrics = [m for m in METRICS if m in record.metrics]
            metrics += [ESTIMATED_PREFIX + m for m in estimators.metrics_for(record)]  # need no labels
        except RegistryError:
            log.warning("alert rule dialog: model unreadable", extra={"model": model})
    watches = DROP_WATCHES if path.endswith("/performance") else DRIFT_WATCHES
    if not path.endswith(("/performance", "/drift")):
        watches = (*DRIFT_WATCHES, *DROP_WATCHES)
    feature = query.get("feature") if query.get("feature") in features else None
    watch = watches[0] if watches != DRIFT_WATCHES else ("feature_drift" if feature else "dataset_drift")
    window, note = query.get("window", "7d"), ""
    if window not in ROLLING:
        note = (
            f"The page shows {window.replace('month:', '').replace('batch:', 'batch ')}; a rule watches a "
            "rolling window, so it starts at the last 7 days."
        )
        window = "7d"
    if watch == "feature_drift":
        title = f"{model}: {feature} drifts"
    elif watch == "dataset_drift":
        title = f"{model}: dataset drift"
    else:
        title = f"{model}: live {metrics[0] if metrics else 'metric'} drops"
    return (
        title[:200],
        model,
        [{"label": WATCH_LABELS[w], "value": w} for w in watches],
        watch,
        [{"label": f, "value": f} for f in features],
        feature or (features[0] if features else None),
        window,
        note,
        [{"label": m, "value": m} for m in metrics],
        metrics[0] if metrics else None,
        timezone,
        own_address(),
        None,
    )


def own_address() -> str:
    subscriber = current_subscriber()
    return subscriber.name if subscriber is not None and "@" in subscriber.name else ""


def _number(raw: Any, kind: type) -> Any:
    """A typed number from a text field, or the text itself so the checker names what is wrong."""
    text = str(raw).strip() if raw is not None else ""
    try:
        return kind(text)
    except ValueError:
        return text


def dialog_body(
    title: Any,
    model: Any,
    watch: Any,
    feature: Any,
    window: Any,
    min_rows: Any,
    metric: Any,
    by: Any,
    unit: Any,
    min_labels: Any,
    schedule: Any,
    timezone: Any,
    email: Any,
    webhook: Any,
    style: Any,
) -> dict[str, Any]:
    """The dialog's fields as a reports-file entry, which the store checks like the file's."""
    raw: dict[str, Any] = {
        "title": title or "",
        "model": model or "",
        "window": window or "",
        "schedule": schedule or None,
        "timezone": timezone or "",
        "dataset_drift": watch == "dataset_drift",
    }
    if watch in DRIFT_WATCHES:
        raw["min_rows"] = _number(min_rows, int) if str(min_rows or "").strip() else DEFAULT_MIN_ROWS
    if watch == "feature_drift":
        raw["feature_drift"] = feature or ""
    elif watch == "performance_drop":
        amount = str(by or "").strip()
        if unit == "percent" and amount:
            amount = amount if amount.endswith("%") else amount + "%"
            parsed: Any = amount
        else:
            parsed = _number(amount, float) if amount else None
        raw["performance_drop"] = {
            "metric": metric or "",
            "by": parsed,
            "min_labels": _number(min_labels, int) if str(min_labels or "").strip() else DEFAULT_MIN_LABELS,
        }
    deliver: list[dict[str, Any]] = []
    addresses = [a for a in re.split(r"[,;\s]+", str(email or "")) if a]
    if addresses:
        deliver.append({"email": {"to": addresses}})
    if webhook and str(webhook).strip():
        deliver.append({"webhook": {"url": str(webhook).strip(), "style": style or "json"}})
    raw["deliver"] = deliver
    return raw


def label(field: str) -> str:
    """A reports-file field as the dialog names it: ``deliver[1].webhook.url`` is the webhook."""
    if field.startswith("deliver"):
        return "Webhook" if "webhook" in field else "Email to" if "email" in field else "Deliveries"
    return LABELS.get(field, field)


def save_body(services: Services, body: dict[str, Any], changed: int) -> tuple[Any, Any]:
    """Save through the store's checks; the alert lists every problem, or says what was saved."""
    subscriber = current_subscriber()
    if subscriber is None:
        return dbc.Alert("Sign in to make alert rules.", color="warning"), dash.no_update
    editor = Editor(subscriber.name, subscriber.role)
    try:
        saved = rule_store.save(services.settings, services.engine, services.registry, body, editor)
    except RuleError as exc:
        return problems_alert(exc), dash.no_update
    except sa.exc.SQLAlchemyError:
        log.exception("alert rule not saved")
        unavailable = "Alert rules are not available: run `portal db upgrade`."
        return dbc.Alert(unavailable, color="danger"), dash.no_update
    rule = saved.rule
    when = alert_rule_dialog.SCHEDULES.get(rule.schedule or "", rule.schedule).lower()
    message = dbc.Alert(
        [
            html.Span(f"Alert rule {rule.name!r} saved: alert when {'; '.join(rule.watches())}, "),
            html.Span(f"in the last {rule.window_days} days, checked {when} ({rule.timezone})."),
        ],
        color="success",
        className="portal-alert-rule-saved",
    )
    return message, changed + 1


def problems_alert(exc: RuleError) -> Any:
    return dbc.Alert(
        [html.Div("Not saved:", className="fw-semibold")]
        + [html.Div(f"{label(field)}: {message}", className="small") for field, message in exc.problems],
        color="danger",
        className="portal-alert-rule-problems",
    )
