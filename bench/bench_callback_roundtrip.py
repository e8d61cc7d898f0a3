"""A portal callback round trip under gunicorn vs a bare Flask route serving the same bytes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import requests

from bench.harness import Result, demo_data_dir, portal_env, serve, throughput

# The Home page's status callback: reads the registry and builds cards.
HOME_STATUS_REQUEST = {
    "output": "home-status.children",
    "outputs": {"id": "home-status", "property": "children"},
    "inputs": [{"id": "home-refresh", "property": "n_intervals", "value": None}],
    "changedPropIds": [],
    "state": [],
}


def run() -> list[Result]:
    data_dir = demo_data_dir(20_000)
    portal = serve(portal_env(data_dir))
    try:
        url = portal.url + "/_dash-update-component"
        first = requests.post(url, json=HOME_STATUS_REQUEST, timeout=30)
        first.raise_for_status()
        payload_file = Path(tempfile.mkstemp(suffix=".json")[1])
        payload_file.write_bytes(first.content)
        portal_rps, _ = throughput(lambda s: s.post(url, json=HOME_STATUS_REQUEST, timeout=30))
    finally:
        portal.stop()
    bare = serve(portal_env(data_dir, BENCH_PAYLOAD_FILE=str(payload_file)), app="bench.baseline_app:server")
    try:
        bare_url = bare.url + "/_dash-update-component"
        bare_rps, _ = throughput(lambda s: s.post(bare_url, json=HOME_STATUS_REQUEST, timeout=30))
    finally:
        bare.stop()
    return [
        Result("home status callback round trip", portal_rps, bare_rps, "req/s", higher_is_better=True),
    ]
