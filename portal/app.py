"""The application factory: the only place where config, extensions, pages and callbacks meet."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from pathlib import Path

import dash
from flask import Flask, request

import callbacks
import layouts
from layouts import embed, error_page, shell
from models.predict_batching import PredictBatcher
from portal import extensions
from portal.api import API_PREFIX, api_methods, create_api_blueprint
from portal.batch.routes import create_batch_blueprint
from portal.config import Settings, load_settings
from portal.embed import tokens as embed_tokens
from portal.embed.framing import init_framing, session_cookie_config
from portal.embed.gate import init_embed_gate
from portal.exports.routes import create_export_blueprint
from portal.feedback.store import FeedbackStore
from portal.log import configure_logging
from portal.pages import PageIndex
from portal.reports.routes import create_reports_blueprint
from portal.scheduler.status import scheduler_state
from portal.security.layout_guard import guard
from portal.security.wiring import finish_security, init_security
from portal.services import SERVICES_KEY, Services
from portal.shadow.scorer import ShadowScorer
from portal.web import tracing
from portal.web.callback_cache import init_callback_cache
from portal.web.dash_guard import init_dash_guard
from portal.web.errors import error_json, init_error_handlers, wants_json
from portal.web.health import create_health_blueprint
from portal.web.instrumentation import instrument_app
from portal.web.json_bodies import NestingSafeJSONProvider, keep_dash_on_the_standard_library
from portal.web.metrics import create_metrics_blueprint, record_native_threads
from portal.web.requests import init_request_hooks
from portal.web.server import PortalFlask
from portal.web.theme import ICONS_URL, THEME_URL, init_theme
from portal.web.watchdog import init_watchdog

log = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DASH_CATCHALL_RULE = "/<path:path>"


def page_index() -> PageIndex:
    """The pages this factory registers, for entry points (the notebook) that name pages by path."""
    return layouts.page_index()


def create_app(config: Settings | Mapping[str, str] | None = None) -> dash.Dash:
    """Build a fully wired portal; ``config`` is a Settings or env-style overrides for tests."""
    settings = _resolve_settings(config)
    configure_logging(settings.log_level, settings.log_format)
    server = _create_server(settings)
    services = _bind_extensions(server, settings, layouts.page_index())
    if tracing.install_provider(settings.tracing, settings.tracing_exporter):
        instrument_app(server, services.engine)
    scheduler = functools.partial(scheduler_state, settings, services.engine)
    server.register_blueprint(create_health_blueprint(services, {"scheduler": scheduler}))
    server.register_blueprint(create_metrics_blueprint())
    server.register_blueprint(create_api_blueprint(services))
    server.register_blueprint(create_export_blueprint(services))
    server.register_blueprint(create_batch_blueprint(services))
    server.register_blueprint(create_reports_blueprint(services))
    app = _create_dash(server, settings, services)
    render_error = functools.partial(error_page.render, settings)
    init_security(server, app, settings, services, render_error)
    _register_pages(app)
    callbacks.register_all(app, services)
    render_refusal = functools.partial(error_page.render, settings, chrome=False)
    init_embed_gate(server, app, settings, services.pages.paths, render_refusal, DASH_CATCHALL_RULE)
    _serve_unknown_paths_as_404(server, app, services.pages)
    init_dash_guard(server, app)
    init_callback_cache(server, app)
    init_error_handlers(server, render_error)
    _finish_dash_setup(app)
    finish_security(app, services.pages)
    record_native_threads()
    log.info("portal app created", extra={"env": settings.env, "pages": len(services.pages.paths)})
    return app


def _resolve_settings(config: Settings | Mapping[str, str] | None) -> Settings:
    if isinstance(config, Settings):
        return config
    if config is None:
        return load_settings()
    return load_settings({**os.environ, **config})


def _create_server(settings: Settings) -> Flask:
    server = PortalFlask("portal", root_path=str(PROJECT_ROOT))
    server.json = NestingSafeJSONProvider(server)
    keep_dash_on_the_standard_library()
    server.config.update(
        SECRET_KEY=settings.secret_key,
        DEBUG=settings.debug,
        PROPAGATE_EXCEPTIONS=False,
        JSON_SORT_KEYS=False,
        **session_cookie_config(settings),
        # The largest body any route accepts; batch uploads also count bytes while streaming.
        MAX_CONTENT_LENGTH=max(settings.batch_max_bytes, settings.api_max_bytes) + 65536,
    )
    server.extensions["portal.settings"] = settings
    init_request_hooks(server)
    init_watchdog(server, settings.worker_timeout)
    init_theme(server, settings.theme)
    init_framing(server, settings)
    return server


def _bind_extensions(server: Flask, settings: Settings, pages: PageIndex) -> Services:
    extensions.cache.init_app(server, settings)
    registry = extensions.registry.init_app(server, settings)
    engine = extensions.database.init_app(server, settings)
    jobs = extensions.jobs.init_app(server, settings)
    prediction_log = extensions.prediction_log.init_app(server, engine, settings)
    services = Services(
        settings=settings,
        registry=registry,
        inference_cache=extensions.cache["inference"],
        figure_cache=extensions.cache["figures"],
        engine=engine,
        jobs=jobs,
        prediction_log=prediction_log,
        predict_batcher=PredictBatcher(settings.predict_batch_wait_ms / 1000, settings.predict_batch_rows),
        shadow=ShadowScorer(registry, engine, settings.shadow_queue_rows),
        feedback=FeedbackStore(engine, registry),
        pages=pages,
    )
    server.extensions[SERVICES_KEY] = services
    return services


def _create_dash(server: Flask, settings: Settings, services: Services) -> dash.Dash:
    app = dash.Dash(
        "portal",
        server=server,
        use_pages=True,
        pages_folder="",
        assets_folder=str(PROJECT_ROOT / "assets"),
        external_stylesheets=[THEME_URL, ICONS_URL],
        title=settings.title,
        update_title=None,
        suppress_callback_exceptions=True,
        background_callback_manager=services.jobs,
        serve_locally=True,
    )
    # A function, so the navbar lists only the pages the requester may open.
    app.layout = functools.partial(shell.layout, settings.title, services.pages)
    # Screen readers pick their voice and rules from the page's language (WCAG 3.1.1).
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    return app


def _register_pages(app: dash.Dash) -> None:
    """Register each page of ``layouts.PAGES`` and its embed copy; the registry is process-wide: reset it."""
    dash.page_registry.clear()
    for page in layouts.PAGES:
        dash.register_page(
            page.module,
            path=page.path,
            name=page.name,
            title=page.title,
            order=page.order,
            layout=guard(page.path, page.render),
        )
    for page in layouts.PAGES:
        dash.register_page(
            f"{page.module}.embed",
            path=embed_tokens.page_embed_path(page.path),
            name=f"{page.name} (embedded)",
            title=page.title,
            order=1000 + page.order,
            layout=guard(page.path, functools.partial(embed.render, page.path, page.layout), embedded=True),
        )
    for page in layouts.ADMIN_PAGES:
        dash.register_page(
            page.module,
            path=page.path,
            name=page.name,
            title=page.title,
            order=page.order,
            layout=guard(page.path, page.render),
        )
    dash.register_page("not_found_404", path="/404", name="Not found", layout=layouts.not_found.layout)


def _serve_unknown_paths_as_404(server: Flask, app: dash.Dash, pages: PageIndex) -> None:
    """Dash answers every path with its index; unknown ones should say 404 to machines too."""
    paths = pages.paths
    paths += [embed_tokens.page_embed_path(path) for path in paths]
    paths += pages.admin_paths
    page_paths = {path.rstrip("/") or "/" for path in paths}

    @server.before_request
    def _unknown_page() -> tuple[object, int] | None:
        rule = request.url_rule
        if rule is None or rule.rule != DASH_CATCHALL_RULE:
            return None
        if wants_json():
            allowed = api_methods(request.path) if request.path.startswith(API_PREFIX + "/") else []
            if allowed:  # an API route that takes other methods: 405, as if Dash's GET did not exist
                methods = ", ".join(allowed)
                response, status = error_json(405, f"{request.method} is not allowed here; use {methods}")
                response.headers["Allow"] = ", ".join(allowed)
                return response, status
            return error_json(404, f"no route {request.path}; the API is described at /api/v1/openapi.json")
        if (request.path.rstrip("/") or "/") in page_paths:
            return None
        return app.index(), 404


def _finish_dash_setup(app: dash.Dash) -> None:
    """Run Dash's lazy first-request setup now, before gunicorn forks and threads race on it.

    Dash sets its "first request done" flag before registering the pages router, so a second
    thread arriving meanwhile can be served a callback map without the router: a blank page.
    """
    with app.server.test_request_context("/"):
        app.server.preprocess_request()
