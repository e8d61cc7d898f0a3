"""What sign-in costs per request: header mode and API tokens against PORTAL_AUTH=none, same route."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.harness import Result, demo_data_dir, portal_env, serve, throughput

ROUTE = "/api/v1/models/churn"
HEADER_ENV = {
    "PORTAL_AUTH": "header",
    "PORTAL_TRUSTED_PROXIES": "127.0.0.1",
    "PORTAL_VIEWER_GROUPS": "staff",
    "PORTAL_SECRET_KEY": "b" * 40,
}
IDENTITY = {"X-Forwarded-User": "bench", "X-Forwarded-Groups": "staff"}


def _rps(env: dict[str, str], headers: dict[str, str]) -> float:
    server = serve(env)
    try:
        url = server.url + ROUTE
        rps, _ = throughput(lambda s: s.get(url, headers=headers, timeout=30))
    finally:
        server.stop()
    return rps


def _token(env: dict[str, str]) -> str:
    """A viewer token made by the real command, as an admin would."""
    done = subprocess.run(
        [sys.executable, "-m", "portal.cli", "tokens", "create", "bench", "--role", "viewer"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def run() -> list[Result]:
    data_dir = demo_data_dir(20_000)
    baseline = _rps(portal_env(data_dir), {})
    header_env = portal_env(data_dir, **HEADER_ENV)
    header = _rps(header_env, IDENTITY)
    token = _token(header_env)
    bearer = _rps(header_env, {"Authorization": f"Bearer {token}"})
    return [
        Result("model detail, header sign-in vs none", header, baseline, "req/s", higher_is_better=True),
        Result("model detail, API token vs none", bearer, baseline, "req/s", higher_is_better=True),
    ]
