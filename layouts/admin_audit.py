"""Admin page: the audit log of admin actions, newest first."""

from __future__ import annotations

import json
from typing import Any

from dash import html
from dash.development.base_component import Component

from layouts.components import empty_state, page_header, table
from portal import ids
from portal.security import audit
from portal.services import Services


def layout(services: Services, **_query: Any) -> Component:
    """The latest 500 entries: who, what, on what, when and from where."""
    header = page_header("Audit log", "Admin actions: tokens, embed links, and other changes.")
    entries = audit.recent(services.engine)
    if not entries:
        return html.Div([header, empty_state("No admin actions recorded yet.", "")])
    rows = [
        [
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.actor,
            entry.action,
            entry.target,
            json.dumps(entry.details, sort_keys=True),
            entry.remote_addr,
        ]
        for entry in entries
    ]
    columns = ["Time (UTC)", "Who", "Action", "Target", "Details", "From"]
    return html.Div([header, table(columns, rows, table_id=ids.AUDIT_TABLE)])
