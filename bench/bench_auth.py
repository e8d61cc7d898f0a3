"""What sign-in costs per request: header mode and API tokens against PORTAL_AUTH=none, same route."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import ExitStack

import requests

from bench.harness import Result, demo_data_dir, paired_throughput, portal_env, serve

ROUTE = "/api/v1/models/churn"
HEADER_ENV = {
    "PORTAL_AUTH": "header",
    "PORTAL_TRUSTED_PROXIES": "127.0.0.1",
    "PORTAL_VIEWER_GROUPS": "staff",
    "PORTAL_SECRET_KEY": "b" * 40,
}
IDENTITY = {"X-Forwarded-User": "bench", "X-Forwarded-Groups": "staff"}


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
    header_env = portal_env(data_dir, **HEADER_ENV)
    token = _token(header_env)
    # All servers up at once, each side measured in slices alternating with the baseline's
    # (bench.harness.paired_throughput), so load drifting on a shared machine hits both alike.
    with ExitStack() as servers:
        plain, signed = serve(portal_env(data_dir)), serve(header_env)
        servers.callback(plain.stop)
        servers.callback(signed.stop)

        def get(url: str, headers: dict[str, str]) -> Callable[[requests.Session], requests.Response]:
            return lambda s: s.get(url + ROUTE, headers=headers, timeout=30)

        header, baseline = paired_throughput(get(signed.url, IDENTITY), get(plain.url, {}))
        bearer, token_baseline = paired_throughput(
            get(signed.url, {"Authorization": f"Bearer {token}"}), get(plain.url, {})
        )
    return [
        Result("model detail, header sign-in vs none", header, baseline, "req/s", True, "<= 1.1"),
        Result("model detail, API token vs none", bearer, token_baseline, "req/s", True, "<= 1.1"),
    ]
