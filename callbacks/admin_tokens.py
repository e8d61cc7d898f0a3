"""API tokens page callbacks: create and revoke, each recorded in the audit log."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html
from dash.development.base_component import Component

from layouts import admin_tokens
from portal import ids
from portal.security import api_tokens, audit
from portal.security.policy import requires
from portal.security.roles import Role
from portal.services import Services
from portal.web.identity import current_user


def register(app: dash.Dash, services: Services) -> None:
    """Both actions need an admin; the gate reads the mark before either runs."""

    @app.callback(
        Output(ids.TOKENS_CREATED, "children"),
        Output(ids.TOKENS_TABLE, "children", allow_duplicate=True),
        Input(ids.TOKENS_CREATE, "n_clicks"),
        State(ids.TOKENS_NAME, "value"),
        State(ids.TOKENS_ROLE, "value"),
        State(ids.TOKENS_MODELS, "value"),
        State(ids.TOKENS_TTL, "value"),
        prevent_initial_call=True,
    )
    @requires(Role.ADMIN)
    def create(_clicks: int, name: Any, role: Any, models: Any, ttl: Any) -> tuple[Component, Component]:
        try:
            ttl_days = int(ttl) if ttl not in (None, "") else 0
        except (TypeError, ValueError):
            ttl_days = 0
        try:
            clean_name, parsed_role, wanted = api_tokens.check_inputs(
                str(name or ""),
                str(role or ""),
                [str(m) for m in models or []],
                ttl_days,
                services.registry.names(),
            )
        except api_tokens.TokenInputError as exc:
            return dbc.Alert(str(exc), color="warning"), admin_tokens.token_table(services)
        secret, token = api_tokens.create(
            services.engine, clean_name, parsed_role, wanted, ttl_days, current_user()
        )
        audit.record(services.engine, "token.create", token.token_id, name=clean_name, role=parsed_role.label)
        shown = dbc.Alert(
            [
                html.P(f"Token {token.token_id} created. Copy the secret now; it is not shown again:"),
                html.Code(secret, id="tokens-secret"),
            ],
            color="success",
        )
        return shown, admin_tokens.token_table(services)

    @app.callback(
        Output(ids.TOKENS_CREATED, "children", allow_duplicate=True),
        Output(ids.TOKENS_TABLE, "children", allow_duplicate=True),
        Input(ids.TOKENS_REVOKE, "n_clicks"),
        State(ids.TOKENS_REVOKE_ID, "value"),
        prevent_initial_call=True,
    )
    @requires(Role.ADMIN)
    def revoke(_clicks: int, token_id: Any) -> tuple[Component, Component]:
        wanted = str(token_id or "").strip()
        token = api_tokens.revoke(services.engine, wanted, services.settings.data_dir) if wanted else None
        if token is None:
            message = dbc.Alert(f"No token with id {wanted!r}.", color="warning")
            return message, admin_tokens.token_table(services)
        audit.record(services.engine, "token.revoke", token.token_id, name=token.name)
        return dbc.Alert(f"Token {token.token_id} revoked.", color="info"), admin_tokens.token_table(services)
