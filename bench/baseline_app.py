"""Bare Flask routes: the floor a portal route is measured against, served by the same gunicorn settings."""

from __future__ import annotations

import os
from pathlib import Path

import joblib
import pandas as pd
from flask import Flask, Response, jsonify, request

server = Flask("baseline")
_PAYLOAD_FILE = os.environ.get("BENCH_PAYLOAD_FILE")
_PAYLOAD = Path(_PAYLOAD_FILE).read_bytes() if _PAYLOAD_FILE else b"{}"
_MODEL_FILE = os.environ.get("BENCH_MODEL_FILE")
_MODEL = joblib.load(_MODEL_FILE) if _MODEL_FILE else None


@server.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@server.post("/_dash-update-component")
def payload() -> Response:
    """Answer with the recorded callback response, doing no work."""
    return Response(_PAYLOAD, mimetype="application/json")


@server.post("/predict")
def predict() -> Response:
    """Parse records and call the model directly: no validation, no cache, no ids."""
    frame = pd.DataFrame.from_records(request.get_json()["records"])
    if hasattr(_MODEL, "predict_proba"):
        values = _MODEL.predict_proba(frame).tolist()
    else:
        values = _MODEL.predict(frame).tolist()
    return jsonify(predictions=values)
