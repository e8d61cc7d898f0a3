"""The Models page's audit of promotions and rollbacks: who switched which version, when and from where."""

from __future__ import annotations

import sqlalchemy as sa
from dash import html
from dash.development.base_component import Component

from layouts.components import empty_state, table
from portal import ids
from portal.monitoring import promotions
from portal.services import Services


def section(services: Services, name: str) -> Component:
    """Newest first; a link to compare the active version with the newest other one."""
    try:
        history = promotions.history(services.engine, name)
    except sa.exc.SQLAlchemyError as exc:
        return empty_state("The promotion history is unavailable.", type(exc).__name__)
    heading = html.Div(
        [
            html.H4("Promotions and rollbacks", className="mb-0 me-auto"),
            html.A(
                "Compare versions", href=f"/compare?model={name}", className="btn btn-outline-primary btn-sm"
            ),
        ],
        className="d-flex align-items-center mt-4 mb-2",
    )
    if history.empty:
        return html.Div([heading, empty_state("No version has been promoted or rolled back yet.")])
    rows = [
        [
            row.created_at.strftime("%Y-%m-%d %H:%M:%S")
            if hasattr(row.created_at, "strftime")
            else row.created_at,
            row.action,
            ""
            if row.from_version is None or row.from_version != row.from_version
            else f"v{int(row.from_version)}",
            f"v{int(row.to_version)}",
            row.user_name,
            row.origin,
        ]
        for row in history.itertuples(index=False)
    ]
    columns = ["Time (UTC)", "Action", "From", "To", "By", "Where"]
    return html.Div([heading, table(columns, rows, table_id=ids.MODELS_PROMOTIONS)])
