"""Keep a page's control values in the URL query string, so any view can be shared or rendered.

It uses ``history.replaceState`` from a clientside callback: the address changes without
Dash's router re-rendering the page or adding a history entry per click.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import dash
from dash import Input, Output

from portal.web import url_controls

SYNC_SCRIPT = """
function() {
    const names = %s;
    const params = new URLSearchParams(window.location.search);
    for (let i = 0; i < names.length; i++) {
        const value = arguments[i];
        if (value === null || value === undefined || value === '' ||
            (Array.isArray(value) && value.length === 0)) {
            params.delete(names[i]);
        } else {
            params.set(names[i], Array.isArray(value) ? value.join(',') : String(value));
        }
    }
    const query = params.toString();
    const target = window.location.pathname + (query ? '?' + query : '');
    if (target !== window.location.pathname + window.location.search) {
        window.history.replaceState(window.history.state, '', target);
    }
    return query;
}
"""


def register_url_sync(app: dash.Dash, store_id: str, params: Mapping[str, tuple[str, str]]) -> None:
    """Mirror each ``param -> (component id, property)`` into the query string.

    Other parameters, such as an embed link's ``token``, and the path (``/embed/...``) are kept.
    """
    names = list(params)
    app.clientside_callback(
        SYNC_SCRIPT % json.dumps(names),
        Output(store_id, "data"),
        [Input(component, prop) for component, prop in params.values()],
    )
    url_controls.record(app.server, {name: component for name, (component, _prop) in params.items()})
