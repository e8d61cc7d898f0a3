"""Admin page: create API tokens (the secret is shown once), see them all, revoke one."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from layouts.components import empty_state, labelled_dropdown, page_header, table
from portal import ids
from portal.security import api_tokens
from portal.services import Services


def layout(services: Services, **_query: Any) -> Component:
    """The form above the list; both callbacks redraw the list."""
    form = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("What it is for", html_for=ids.TOKENS_NAME, className="small mb-0"),
                    dbc.Input(id=ids.TOKENS_NAME, placeholder="e.g. nightly scoring job", maxLength=200),
                ],
                md=4,
            ),
            dbc.Col(
                labelled_dropdown(ids.TOKENS_ROLE, "Role", ["viewer", "analyst", "admin"], "viewer"),
                md=2,
            ),
            dbc.Col(
                labelled_dropdown(
                    ids.TOKENS_MODELS,
                    "Models",
                    services.registry.names(),
                    None,
                    placeholder="All models",
                    multi=True,
                ),
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("Days", html_for=ids.TOKENS_TTL, className="small mb-0"),
                    dbc.Input(id=ids.TOKENS_TTL, type="number", min=1, max=366, value=90),
                ],
                md=1,
            ),
            dbc.Col(
                dbc.Button("Create token", id=ids.TOKENS_CREATE, color="primary"),
                md=2,
                className="align-self-end",
            ),
        ],
        className="g-2 mb-3",
    )
    revoke = dbc.InputGroup(
        [
            dbc.Label("Token id to revoke", html_for=ids.TOKENS_REVOKE_ID, className="visually-hidden"),
            dbc.Input(id=ids.TOKENS_REVOKE_ID, placeholder="Token id to revoke"),
            dbc.Button("Revoke", id=ids.TOKENS_REVOKE, color="danger"),
        ],
        className="mb-3",
    )
    return html.Div(
        [
            page_header("API tokens", "Tokens for the REST API (Authorization: Bearer). Lifetime in days."),
            form,
            html.Div(id=ids.TOKENS_CREATED),
            revoke,
            html.Div(token_table(services), id=ids.TOKENS_TABLE),
        ]
    )


def token_table(services: Services) -> Component:
    """Every token, newest first; names are shown as text, never as markup."""
    tokens = api_tokens.list_tokens(services.engine)
    if not tokens:
        return empty_state("No API tokens yet.", "Create one above or with `portal tokens create`.")
    rows = [
        [
            token.token_id,
            token.name,
            token.role.label,
            ", ".join(token.models) or "all",
            token.created_by,
            token.expires_at.strftime("%Y-%m-%d"),
            "" if token.last_used_at is None else token.last_used_at.strftime("%Y-%m-%d %H:%M"),
            "active" if token.active else ("revoked" if token.revoked_at else "expired"),
        ]
        for token in tokens
    ]
    columns = ["Id", "Name", "Role", "Models", "Created by", "Expires", "Last used", "State"]
    return table(columns, rows)
