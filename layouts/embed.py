"""The chrome-less copy of a page for iframes and screenshots, guarded by its embed token.

The layout checks the token again (the gate in ``portal.embed.gate`` checks the page request),
because Dash's router callback builds layouts from any pathname and query a client sends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component
from flask import current_app

from portal import ids
from portal.embed import tokens as embed_tokens
from portal.services import Services, current_services
from portal.web import url_controls

log = logging.getLogger(__name__)


def refusal(message: str) -> Component:
    """What a frame shows instead of the page when its token does not allow it."""
    return dbc.Alert(
        [html.H4("This embedded view cannot be shown", className="alert-heading"), html.P(message)],
        id=ids.EMBED_REFUSED,
        color="danger",
        className="portal-embed-refused",
    )


def render(page_path: str, page_layout: Callable[..., Component], **query: Any) -> Component:
    """The page's own layout, if the query's token allows this page with these values."""
    services: Services = current_services()
    token = query.pop(embed_tokens.TOKEN_PARAM, None)
    try:
        grant = embed_tokens.authorize(services.settings.secret_key, token, page_path, query)
    except embed_tokens.TokenError as exc:
        log.info("embed layout refused", extra={"page": page_path, "reason": exc.reason})
        return refusal(str(exc))
    page = html.Div(page_layout(services, **query), className="portal-embed-page")
    lock_pinned_controls(page, url_controls.controls_for(current_app, grant.query))
    drop_actions(page)
    return page


# Parts of a page that act on the portal rather than show it: never in a frame or a report, even
# when the person viewing the frame is signed in ("Alert me when…" and the rules list).
EMBED_DROPPED = (ids.ALERT_RULE_PANEL,)


def drop_actions(page: Component) -> None:
    """Empty and hide the page's own action panels, so none of their callbacks runs in a frame."""
    for component in page._traverse():
        if getattr(component, "id", None) in EMBED_DROPPED:
            component.children = []
            component.hidden = True


def lock_pinned_controls(page: Component, control_ids: set[str]) -> None:
    """Disable the controls of pinned query values: the link allows only those values."""
    if not control_ids:
        return
    for component in page._traverse():
        component_id = getattr(component, "id", None)
        if (
            isinstance(component_id, str)
            and component_id in control_ids
            and "disabled" in component._prop_names
        ):
            component.disabled = True
