"""Schemathesis fuzzes the REST API from its own OpenAPI document against a real gunicorn.

Every generated request must get an answer that is not a server error and that matches the
documented status codes, content types, headers and schemas, with no sign-in and with an API token.
``positive_data_acceptance`` is left out: whether a schema-valid record is accepted depends on each
model's own features and on logged prediction ids, which one static document cannot spell out.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import base_env
from tests.security.conftest import HEADER_ENV
from tests.support.servers import PROJECT_ROOT, start_gunicorn

EXAMPLES_PER_OPERATION = "25"
SEED = "20261202"


def generated(output: str) -> int:
    """How many requests schemathesis sent, from its summary ("632 generated, 632 passed")."""
    match = re.search(r"(\d+) generated", output)
    return int(match.group(1)) if match else 0


def _fuzz(url: str, workdir: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{url}/api/v1/openapi.json",
        "--url",
        f"{url}/api/v1",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        EXAMPLES_PER_OPERATION,
        "--seed",
        SEED,
        *extra,
    ]
    return subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=600, env=dict(os.environ)
    )


@pytest.mark.gunicorn
@pytest.mark.slow
def test_fz001_no_sign_in_no_server_error_and_every_answer_as_documented(data_dir, tmp_path) -> None:
    server = start_gunicorn(base_env(data_dir, PORTAL_WORKERS="2"))
    try:
        result = _fuzz(server.url, tmp_path)
    finally:
        server.stop()
    assert result.returncode == 0, result.stdout[-6000:]
    assert generated(result.stdout) > 200


@pytest.mark.gunicorn
@pytest.mark.slow
def test_fz002_with_an_api_token_no_server_error_and_every_answer_as_documented(data_dir, tmp_path) -> None:
    env = base_env(data_dir, **{**HEADER_ENV, "PORTAL_WORKERS": "2"})
    created = subprocess.run(
        [sys.executable, "-m", "portal.cli", "tokens", "create", "fuzzing", "--role", "admin"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    bearer = f"Authorization: Bearer {created.stdout.strip()}"
    server = start_gunicorn(env)
    try:
        signed_in = requests.get(
            f"{server.url}/api/v1/models", headers={"Authorization": bearer.split(": ")[1]}, timeout=30
        )
        assert signed_in.status_code == 200, "the token must open the API, or the fuzzing would only see 401s"
        result = _fuzz(server.url, tmp_path, "--header", bearer)
    finally:
        server.stop()
    assert result.returncode == 0, result.stdout[-6000:]
    assert generated(result.stdout) > 200
