"""Make a server-paged grid fetch its rows again when its inputs change.

An ag-grid infinite row model keeps its datasource across prop changes; purging its block
cache makes it send fresh ``getRowsRequest``s, which the page's row callback then answers.
"""

from __future__ import annotations

import json

import dash
from dash import Input, Output

PURGE_SCRIPT = """
function() {
    if (window.dash_ag_grid && window.dash_ag_grid.getApiAsync) {
        window.dash_ag_grid.getApiAsync(%s).then(function (api) { api.purgeInfiniteCache(); });
    }
    return Date.now();
}
"""


def register_grid_refresh(app: dash.Dash, grid_id: str, store_id: str, triggers: list[Input]) -> None:
    """Purge ``grid_id``'s row cache whenever any of ``triggers`` fires (``store_id`` records when)."""
    app.clientside_callback(
        PURGE_SCRIPT % json.dumps(grid_id),
        Output(store_id, "data"),
        *triggers,
        prevent_initial_call=True,
    )
