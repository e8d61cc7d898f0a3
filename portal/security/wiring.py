"""Wire sign-in into the app: the gate, OIDC routes, headers, and the callback policy table."""

from __future__ import annotations

import logging
from collections.abc import Callable

import dash
from flask import Flask

from portal.config import Settings
from portal.config.auth import describe
from portal.pages import PageIndex
from portal.security import gate, headers
from portal.security.policy import callback_policies
from portal.services import Services

log = logging.getLogger(__name__)


def init_security(
    server: Flask,
    app: dash.Dash,
    settings: Settings,
    services: Services,
    render_error: Callable[..., str],
) -> None:
    """Before any other route hook runs: the gate; after every response: the headers."""
    pages = tuple(services.pages.paths)

    def registered_paths() -> set[str]:
        return {(page["path"].rstrip("/") or "/") for page in dash.page_registry.values()}

    gate.init_gate(server, settings, lambda: services.engine, pages, registered_paths, render_error)
    headers.init_headers(server, settings, app.csp_hashes)
    if settings.auth == "oidc":
        # Deferred for start-up cost: Authlib takes about 0.4 s to import and only OIDC mode needs it.
        from portal.security.oidc import create_oidc_blueprint

        server.register_blueprint(create_oidc_blueprint(server, settings))
    log.info("sign-in configured", extra=describe(settings))


def finish_security(app: dash.Dash, pages: PageIndex) -> None:
    """Classify every registered callback once Dash has added its own (router, cancel)."""
    policies = callback_policies(app.callback_map, pages.modules)
    app.server.extensions[gate.CALLBACK_POLICIES_KEY] = policies
    missing = [key for key, policy in policies.items() if policy is None]
    if missing:
        log.error("callbacks without an access rule are refused", extra={"callbacks": missing})
