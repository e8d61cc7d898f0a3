"""Structured JSON logging with the current request id on every line."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else was passed through ``extra=`` and is kept.
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class RequestIdFilter(logging.Filter):
    """Stamp each record with the request id of the request being served, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, so log shippers need no parsing rules."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class PortalStreamHandler(logging.StreamHandler):
    """Our handler for stdout or stderr; there is one, so configuring logging twice never duplicates lines."""

    def __init__(self, target: str = "stdout") -> None:
        super().__init__(getattr(sys, target))
        self.target = target
        self.addFilter(RequestIdFilter())


class AlembicPreamble(logging.Filter):
    """Drops the two lines Alembic logs every time it looks at a database; upgrade steps still show."""

    NOISE = ("Context impl ", "Will assume ")

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.NOISE)


class TextFormatter(logging.Formatter):
    """Readable lines for a developer's terminal, still carrying the request id."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not getattr(record, "request_id", None):
            record.request_id = "-"
        return super().format(record)


def formatter_for(log_format: str) -> logging.Formatter:
    """The formatter named by PORTAL_LOG_FORMAT."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure_logging(level: str, log_format: str, target: str = "stdout") -> None:
    """Route the root logger to stdout or stderr in the chosen format; safe to call more than once.

    The CLI picks stderr, so what a command prints on stdout stays machine-readable.
    """
    root = logging.getLogger()
    root.setLevel(level.upper())
    handler = next((h for h in root.handlers if isinstance(h, PortalStreamHandler)), None)
    if handler is None:
        handler = PortalStreamHandler(target)
        root.addHandler(handler)
    # The stream of this moment, held from now on: a later redirect of sys.stdout (Celery's worker
    # does that) must not loop our lines back into logging. Assigned, not setStream(), which would
    # flush the previous stream, and that may be closed by now.
    handler.target = target
    handler.stream = getattr(sys, target)
    handler.setFormatter(formatter_for(log_format))
    # Werkzeug's own access lines would duplicate ours and bypass the formatter's fields.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    alembic = logging.getLogger("alembic.runtime.migration")
    if not any(isinstance(f, AlembicPreamble) for f in alembic.filters):
        alembic.addFilter(AlembicPreamble())


def gunicorn_logconfig(level: str, log_format: str) -> dict[str, Any]:
    """A logging.config dict that makes gunicorn's own messages use the same format."""
    formatter = "portal.log.JsonFormatter" if log_format == "json" else "portal.log.TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"portal": {"()": formatter}},
        "handlers": {
            "stdout": {"()": "portal.log.PortalStreamHandler", "formatter": "portal"},
        },
        "root": {"handlers": ["stdout"], "level": level.upper()},
        "loggers": {
            "gunicorn.error": {"handlers": ["stdout"], "level": level.upper(), "propagate": False},
            "gunicorn.access": {"handlers": ["stdout"], "level": level.upper(), "propagate": False},
        },
    }
