"""Request, SQL and Redis spans from OpenTelemetry's maintained instrumentations, for one app.

Only wired when ``portal.web.tracing`` installed a provider; a Dash callback's request span is
renamed after the outputs it computes, so a trace says which callback was slow.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, request
from opentelemetry import trace
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

from portal.web.tracing import enabled

# Requests that would only be noise in a trace: probes, metrics scrapes and static files.
EXCLUDED_URLS = "healthz,readyz,metrics,_dash-component-suites,_dash-layout,_dash-dependencies,assets,vendor"
_instrumented = False


def instrument_app(server: Flask, engine: sa.Engine) -> None:
    """Trace requests, SQL and Redis for this app; a no-op while tracing is off."""
    global _instrumented
    if not enabled():
        return
    FlaskInstrumentor().instrument_app(server, excluded_urls=EXCLUDED_URLS)
    if not _instrumented:
        # Once per process: both patch their libraries, so engines and clients made later are traced too.
        # SQLAlchemy 2.1 is newer than the range the instrumentation declares; its engine events have not
        # changed, and a test checks the spans.
        SQLAlchemyInstrumentor().instrument(engine=engine, skip_dep_check=True)
        RedisInstrumentor().instrument()
        _instrumented = True

    @server.before_request
    def _name_callback_span() -> None:
        if request.path.endswith("/_dash-update-component") and request.method == "POST":
            body = request.get_json(silent=True)
            output = body.get("output") if isinstance(body, dict) else None
            if isinstance(output, str):
                span = trace.get_current_span()
                span.update_name(f"dash callback {output[:200]}")
                span.set_attribute("dash.callback.output", output[:500])
