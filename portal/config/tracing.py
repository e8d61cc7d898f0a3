"""Tracing is configured by the standard ``OTEL_*`` variables; the portal checks the ones it acts on.

Traces are off unless ``OTEL_TRACES_EXPORTER`` names an exporter or an OTLP endpoint is set, and
``OTEL_SDK_DISABLED=true`` wins over both. Everything else (service name, endpoint, headers,
sampling) is read by the OpenTelemetry SDK itself.
"""

from __future__ import annotations

from collections.abc import Mapping

EXPORTERS = ("otlp", "console", "none")


def tracing_requested(environ: Mapping[str, str]) -> bool:
    """Whether the standard variables ask for traces."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter:
        return exporter != "none"
    endpoints = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    return any(environ.get(name) for name in endpoints)


def tracing_exporter(environ: Mapping[str, str]) -> str:
    """The exporter to build: ``otlp`` unless the variable says ``console``."""
    return environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() or "otlp"


def check_tracing_environment(environ: Mapping[str, str]) -> str | None:
    """What is wrong with the tracing variables (an exporter we cannot build loses every trace), or None."""
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter and exporter not in EXPORTERS:
        return f"OTEL_TRACES_EXPORTER={exporter!r} is not supported; use one of {', '.join(EXPORTERS)}"
    return None
