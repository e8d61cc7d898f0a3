"""WSGI entry point for gunicorn: ``server`` is the Flask app behind the portal."""

from __future__ import annotations

from portal.startup import settings_or_exit

_settings = settings_or_exit()

# Imported after the thread caps are set, so numpy and scikit-learn size their pools from them.
from portal.app import create_app  # noqa: E402
from portal.services import SERVICES_KEY  # noqa: E402
from portal.web.warmup import warm_up  # noqa: E402

app = create_app(_settings)
server = app.server

if _settings.warmup:
    # Before gunicorn forks: every worker, also after a HUP, starts with the models in memory.
    warm_up(server.extensions[SERVICES_KEY])
