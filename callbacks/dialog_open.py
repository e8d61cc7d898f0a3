"""The browser side of dialogs prefilled from the page: open on click, with the URL and time zone."""

from __future__ import annotations


def open_with_page_state(close_id: str) -> str:
    """A clientside callback: (is_open, {url, tz, at}) on open, closed when ``close_id`` fired.

    It runs in the browser because the page's URL state lives in the address bar (replaceState),
    not in Dash, and only the browser knows its time zone.
    """
    return f"""
function(openClicks, closeClicks) {{
    const ctx = window.dash_clientside.callback_context;
    const fired = ctx.triggered.length ? ctx.triggered[0].prop_id : "";
    if (fired.startsWith("{close_id}")) {{
        return [false, window.dash_clientside.no_update];
    }}
    if (!openClicks) {{
        return [window.dash_clientside.no_update, window.dash_clientside.no_update];
    }}
    let zone = "UTC";
    try {{ zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; }} catch (e) {{}}
    return [true, {{url: window.location.pathname + window.location.search, tz: zone, at: Date.now()}}];
}}
"""
