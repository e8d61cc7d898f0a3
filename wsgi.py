"""WSGI entry point for gunicorn: ``server`` is the Flask app behind the portal."""

from __future__ import annotations

from portal.startup import settings_or_exit

_settings = settings_or_exit()

from portal.app import create_app  # noqa: E402  (imported after the thread caps are set)

app = create_app(_settings)
server = app.server
