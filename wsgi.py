"""WSGI entry point for gunicorn: ``server`` is the Flask app behind the portal."""

from __future__ import annotations

import sys

from portal.config import ConfigError, load_settings
from portal.threads import cap_thread_env

try:
    _settings = load_settings()
except ConfigError as exc:
    # A config mistake is the operator's to fix: say what, without a traceback.
    sys.stderr.write(f"portal: configuration error: {exc}\n")
    raise SystemExit(2) from None

cap_thread_env(_settings.native_threads)

from portal.app import create_app  # noqa: E402  (imported after the thread caps are set)

app = create_app(_settings)
server = app.server
