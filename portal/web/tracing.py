"""OpenTelemetry traces: off by default, switched on by the standard ``OTEL_*`` variables.

This module installs the tracer provider (web workers, job processes and CLI commands alike);
``portal.web.instrumentation`` adds the request, SQL and Redis spans to an app.

``portal.config.tracing`` reads whether traces were asked for. When on, every HTTP request is a
span (a Dash callback's is named after its outputs), with child spans for database and Redis calls
from the maintained instrumentations, and the portal's own spans for predictions, batch chunks and
report renders. When off, those own spans cost a no-op call each.
"""

from __future__ import annotations

import atexit
import logging

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

log = logging.getLogger(__name__)


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    # Deferred for start-up cost: the OTLP exporter loads protobuf, which only an OTLP setup needs.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def install_provider(requested: bool, exporter: str) -> bool:
    """Install this process's tracer provider when asked to; True when traces are being recorded."""
    if enabled():
        return True
    if not requested:
        return False
    provider = TracerProvider(resource=Resource.create())
    provider.add_span_processor(BatchSpanProcessor(_exporter(exporter)))
    trace.set_tracer_provider(provider)
    atexit.register(provider.shutdown)  # a short CLI process still sends what it recorded
    log.info("tracing on", extra={"exporter": exporter})
    return True


def enabled() -> bool:
    """Whether a real tracer provider is installed (by us, or by a test with an in-memory exporter)."""
    return isinstance(trace.get_tracer_provider(), TracerProvider)
