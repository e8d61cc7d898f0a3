"""Home: what the portal serves right now, so an analyst sees at a glance that it is healthy."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from layouts import fleet_cards
from layouts.components import empty_state, kpi_card, loading, page_header
from portal import ids
from portal.home import fleet
from portal.scheduler.status import scheduler_state
from portal.services import Services

REFRESH_SECONDS = 60


def layout(services: Services, **_query: Any) -> Component:
    """Header plus a status panel that a callback fills and refreshes every minute."""
    return html.Div(
        [
            page_header(
                services.settings.title,
                "Model predictions, what-if analysis and performance for the models below.",
            ),
            loading(html.Div(id=ids.HOME_STATUS)),
            dcc.Interval(id=ids.HOME_REFRESH, interval=REFRESH_SECONDS * 1000),
        ]
    )


def status_panel(services: Services) -> Component:
    """One card per model (which needs attention, and where to look) and the serving backends."""
    settings = services.settings
    cards = [
        dbc.Col(fleet_cards.model_card(health), lg=4, md=6, className="mb-3")
        for health in fleet.fleet(services)
    ]
    models = (
        dbc.Row(cards)
        if cards
        else empty_state(
            "No model is registered yet.", "Run `portal demo`, or `portal models register` for your own."
        )
    )
    backends = dbc.Row(
        [
            dbc.Col(kpi_card("Cache", "Redis" if settings.cache_url else "File system"), md=3),
            dbc.Col(kpi_card("Database", services.engine.url.get_backend_name()), md=3),
            dbc.Col(
                kpi_card("Background jobs", "Celery" if settings.celery_broker_url else "Disk cache"),
                md=3,
            ),
            dbc.Col(scheduler_card(services), md=3),
        ],
        className="mb-3",
    )
    return html.Div([html.H4("Models"), models, html.H4("Serving"), backends])


def scheduler_card(services: Services) -> Component:
    """Whether reports and alerts are being scheduled: the leader, its last tick, and missed runs."""
    state = scheduler_state(services.settings, services.engine)
    if state["state"] == "unknown":
        return kpi_card("Scheduler", "unknown", state.get("error", ""), card_id=ids.HOME_SCHEDULER)
    leader = state["leader"]
    missed = state["missed_runs"]
    value = state["state"]
    who = "no scheduled run yet"
    if leader:
        who = f"leader {leader['host']} (pid {leader['pid']}){'' if leader['live'] else ', gone'}"
    if value != "running":
        who += "; start `portal serve` or `portal report schedule`"
    last = state["last_tick"]["at"] if state["last_tick"] else "never"
    note = f"{who}; last tick {last}; {missed['skipped']} missed run(s) in {missed['window_hours']} h"
    if state["here"] == "off":
        note += "; off in this server (PORTAL_SCHEDULER=off)"
    return kpi_card("Scheduler", value, note, card_id=ids.HOME_SCHEDULER)
