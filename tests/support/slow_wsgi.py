"""The portal plus one route that computes for as long as it is told: a stand-in for a stuck request.

Served by gunicorn in the watchdog test (``gunicorn ... tests.support.slow_wsgi:server``); never
part of the portal itself.
"""

from __future__ import annotations

import time

from flask import jsonify, request

from portal.security.policy import PUBLIC, declare
from wsgi import app

server = app.server


@server.get("/__test/compute")
def compute():
    """Busy Python work, as a pathological parse would be: it keeps the GIL busy but lets threads run."""
    until = time.monotonic() + float(request.args.get("seconds", "1"))
    count = 0
    while time.monotonic() < until:
        count += 1
    return jsonify(loops=count)


declare(server, "compute", PUBLIC)
