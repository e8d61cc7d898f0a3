"""The Subscribe dialog's callbacks: open it prefilled from the URL, save through the store's checks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import dash
import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import Input, Output, State, html

from callbacks.dialog_open import open_with_page_state
from portal import ids
from portal.embed.tokens import TOKEN_PARAM
from portal.reports import store
from portal.reports.access import current_subscriber
from portal.reports.subscriptions import SubscriptionError
from portal.services import Services

log = logging.getLogger(__name__)

OPEN_SCRIPT = open_with_page_state("subscribe-close")


def register(app: dash.Dash, services: Services) -> None:
    app.clientside_callback(
        OPEN_SCRIPT,
        Output(ids.SUBSCRIBE_MODAL, "is_open"),
        Output(ids.SUBSCRIBE_LOCATION, "data"),
        Input(ids.SUBSCRIBE_OPEN, "n_clicks"),
        Input(ids.SUBSCRIBE_CLOSE, "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.SUBSCRIBE_TITLE, "value"),
        Output(ids.SUBSCRIBE_PAGE, "value"),
        Output(ids.SUBSCRIBE_CONTROLS, "children"),
        Output(ids.SUBSCRIBE_TIMEZONE, "value"),
        Output(ids.SUBSCRIBE_EMAIL, "value"),
        Output(ids.SUBSCRIBE_EDITING, "data"),
        Output(ids.SUBSCRIBE_FEEDBACK, "children"),
        Input(ids.SUBSCRIBE_LOCATION, "data"),
        prevent_initial_call=True,
    )
    def prefill(location: dict[str, Any] | None) -> tuple[Any, ...]:
        if not isinstance(location, dict) or not isinstance(location.get("url"), str):
            return (dash.no_update,) * 7
        page, query = split_url(location["url"])
        address = subscriber_address()
        return (
            default_title(services, page, query),
            page_url(page, query),
            controls_summary(query),
            str(location.get("tz") or "UTC")[:64],
            address,
            None,
            None,
        )

    app.callback(
        Output(ids.SUBSCRIBE_FEEDBACK, "children", allow_duplicate=True),
        Input(ids.SUBSCRIBE_SAVE, "n_clicks"),
        *DIALOG_FIELDS,
        prevent_initial_call=True,
    )(on_click(lambda editing, body: save_body(services, editing, body), dash.no_update))
    app.callback(
        Output(ids.SUBSCRIBE_FEEDBACK, "children", allow_duplicate=True),
        Output(ids.SUBSCRIBE_PREVIEW_IMAGE, "src"),
        Output(ids.SUBSCRIBE_PREVIEW_IMAGE, "className"),
        Input(ids.SUBSCRIBE_PREVIEW, "n_clicks"),
        *DIALOG_FIELDS,
        prevent_initial_call=True,
    )(on_click(lambda _editing, body: preview_body(services, body), (dash.no_update,) * 3))


# What Preview and Save both read, in the order ``on_click``'s callback takes them.
DIALOG_FIELDS = (
    State(ids.SUBSCRIBE_EDITING, "data"),
    State(ids.SUBSCRIBE_TITLE, "value"),
    State(ids.SUBSCRIBE_PAGE, "value"),
    State(ids.SUBSCRIBE_FORMAT, "value"),
    State(ids.SUBSCRIBE_KIND, "value"),
    State(ids.SUBSCRIBE_DAY, "value"),
    State(ids.SUBSCRIBE_TIME, "value"),
    State(ids.SUBSCRIBE_TIMEZONE, "value"),
    State(ids.SUBSCRIBE_CRON, "value"),
    State(ids.SUBSCRIBE_EMAIL, "value"),
    State(ids.SUBSCRIBE_WEBHOOK, "value"),
    State(ids.SUBSCRIBE_WEBHOOK_STYLE, "value"),
    State(ids.SUBSCRIBE_DIRECTORY, "value"),
    State(ids.SUBSCRIBE_CONDITION, "value"),
)


def on_click(run: Callable[[str | None, dict[str, Any]], Any], idle: Any) -> Callable[..., Any]:
    """A button's callback over ``DIALOG_FIELDS``: one body for Preview and Save, so they cannot disagree."""

    # One typed parameter per input: the callback guard checks each against its hint.
    def callback(
        clicks: int | None,
        editing: str | None,
        title: str | None,
        page: str | None,
        fmt: str | None,
        kind: str | None,
        day: str | None,
        time: str | None,
        timezone: str | None,
        cron: str | None,
        email: str | None,
        webhook: str | None,
        style: str | None,
        directory: str | None,
        condition: bool | None,
    ) -> Any:
        if not clicks:
            return idle
        body = dialog_body(
            title, page, fmt, kind, day, time, timezone, cron, email, webhook, style, directory, condition
        )
        return run(editing, body)

    return callback


def preview_body(services: Services, body: dict[str, Any]) -> tuple[Any, str, str]:
    """Feedback, image source and image class: the first page rendered, or why it cannot be."""
    hidden = "img-fluid border mt-2 d-none"
    subscriber = current_subscriber()
    if subscriber is None:
        return dbc.Alert("Sign in to subscribe.", color="warning"), "", hidden
    try:
        subscription = store.check(
            services.settings, services.pages.paths, body, subscriber, admin_pages=services.pages.admin_paths
        )
    except SubscriptionError as exc:
        return problems_alert(exc), "", hidden
    # Deferred: Playwright loads only when someone asks for a preview, not at every worker's start.
    from portal.reports import preview
    from portal.reports.render import RenderError
    from portal.reports.verify import OutputRejected

    try:
        png = preview.render_first_page(services.settings, subscription)
    except (RenderError, OutputRejected) as exc:
        return dbc.Alert(f"The page could not be rendered: {exc}", color="warning"), "", hidden
    note = dbc.Alert(
        f"Preview of the first page, rendered as {article(subscription.render_role.label)}. Not saved yet.",
        color="info",
        className="portal-subscribe-preview",
    )
    return note, preview.data_url(png), "img-fluid border mt-2"


def article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def split_url(url: str) -> tuple[str, dict[str, str]]:
    """The page path and its query without any token (a subscription never carries one)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/") or "/"
    query = {key: value for key, value in parse_qsl(parts.query) if key != TOKEN_PARAM}
    return path, query


def page_url(page: str, query: dict[str, str]) -> str:
    return f"{page}?{urlencode(query)}" if query else page


def default_title(services: Services, page: str, query: dict[str, str]) -> str:
    """``Overview: churn, segment plan``: the page's name and what its controls show."""
    names = {entry.path: entry.name for entry in services.pages.entries}
    label = names.get(page, page)
    details = ", ".join(value if key == "model" else f"{key} {value}" for key, value in query.items())
    return f"{label}: {details}"[:200] if details else label


def controls_summary(query: dict[str, str]) -> Any:
    if not query:
        return "No controls are set in the address: the page's defaults will be shown."
    return html.Ul([html.Li(f"{key} = {value}") for key, value in query.items()], className="mb-0")


def subscriber_address() -> str:
    """The subscriber's own address when they sign in with one, as the first recipient."""
    subscriber = current_subscriber()
    return subscriber.name if subscriber is not None and "@" in subscriber.name else ""


def dialog_body(
    title: Any,
    page: Any,
    fmt: Any,
    kind: Any,
    day: Any,
    time: Any,
    timezone: Any,
    cron: Any,
    email: Any,
    webhook: Any,
    style: Any,
    directory: Any,
    condition: Any,
) -> dict[str, Any]:
    """The dialog's fields as the store (and the REST API) take them."""
    deliveries: list[dict[str, Any]] = []
    if email and str(email).strip():
        deliveries.append({"kind": "email", "to": str(email)})
    if webhook and str(webhook).strip():
        deliveries.append({"kind": "webhook", "url": str(webhook).strip(), "style": style or "json"})
    if directory and str(directory).strip():
        deliveries.append({"kind": "directory", "path": str(directory).strip()})
    schedule: dict[str, Any] = {"kind": kind, "day": day or "", "time": time or ""}
    if kind == "cron":
        schedule = {"kind": "cron", "cron": cron or ""}
    return {
        "title": title or "",
        "page": page or "",
        "format": fmt or "png",
        "schedule": schedule,
        "timezone": timezone or "",
        "deliveries": deliveries,
        "condition": "alert_open" if condition else None,
    }


def save_body(services: Services, editing: str | None, body: dict[str, Any]) -> Any:
    """Save through the store's checks; the alert lists every problem, or says what was saved."""
    subscriber = current_subscriber()
    if subscriber is None:
        return dbc.Alert("Sign in to subscribe.", color="warning")
    try:
        saved = store.save(
            services.settings,
            services.engine,
            services.pages.paths,
            body,
            subscriber,
            name=editing,
            admin_pages=services.pages.admin_paths,
        )
    except SubscriptionError as exc:
        return problems_alert(exc)
    except store.NotFound:
        return dbc.Alert(f"No subscription {editing!r} of yours exists any more.", color="warning")
    except sa.exc.SQLAlchemyError:
        log.exception("subscription not saved")
        return dbc.Alert("Subscriptions are not available: run `portal db upgrade`.", color="danger")
    verb = "updated" if editing else "saved"
    return dbc.Alert(
        [
            html.Span(f"Subscription {saved.name!r} {verb}: {saved.cadence.describe()} ({saved.timezone}). "),
            html.A("See it on the Reports page", href="/reports"),
        ],
        color="success",
        className="portal-subscribe-saved",
    )


def problems_alert(exc: SubscriptionError) -> Any:
    return dbc.Alert(
        [html.Div("Not saved:", className="fw-semibold")]
        + [html.Div(f"{field}: {message}", className="small") for field, message in exc.problems],
        color="danger",
        className="portal-subscribe-problems",
    )
