"""A bare Flask app that answers with a recorded payload: the floor a portal route is measured against."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

server = Flask("baseline")
_PAYLOAD = Path(os.environ.get("BENCH_PAYLOAD_FILE", "/dev/null")).read_bytes()


@server.post("/_dash-update-component")
@server.get("/payload")
def payload() -> Response:
    return Response(_PAYLOAD, mimetype="application/json")
