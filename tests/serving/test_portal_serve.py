"""``portal serve`` as a deployment starts it: from any directory, secrets from files, behind a proxy."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import base_env
from tests.support.servers import GunicornServer, free_port, start_gunicorn

pytestmark = pytest.mark.gunicorn
PORTAL = Path(sys.executable).with_name("portal")
STRONG_SECRET = "0123456789abcdef" * 4


def start_serve(cwd: Path, env: dict[str, str], timeout: float = 90.0) -> tuple[subprocess.Popen, str]:
    """``portal serve`` in ``cwd``; returns the process and its base URL once /healthz answers."""
    port = free_port()
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port)}
    log = (cwd / "serve.log").open("wb")
    process = subprocess.Popen(
        [str(PORTAL), "serve"], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log_text = (cwd / "serve.log").read_text()
            raise AssertionError(f"portal serve exited {process.returncode}:\n{log_text}")
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return process, url
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop(process)
    raise AssertionError(f"portal serve did not answer in {timeout}s:\n{(cwd / 'serve.log').read_text()}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture()
def elsewhere(tmp_path: Path, demo_models_dir: Path) -> Path:
    """A working directory outside the checkout, holding decoys named like the portal's modules."""
    cwd = tmp_path / "somewhere-else"
    cwd.mkdir()
    (cwd / "wsgi.py").write_text("raise SystemExit('the decoy wsgi.py was imported')\n")
    (cwd / "models").mkdir()
    (cwd / "models" / "notes.txt").write_text("an analyst's own folder\n")
    shutil.copytree(demo_models_dir, cwd / "var")
    return cwd


def test_serve001_portal_serve_runs_from_an_unrelated_directory(elsewhere: Path) -> None:
    env = base_env(Path("var"), PORTAL_WORKERS="1")  # relative: the directory it is started in
    process, url = start_serve(elsewhere, env)
    try:
        page = requests.get(url + "/overview", timeout=30)
        assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
        layout = requests.get(url + "/_dash-layout", timeout=30)
        assert layout.status_code == 200
        script = requests.get(url + "/assets/render_ready.js", timeout=10)
        assert script.status_code == 200 and "portalReady" in script.text
        ready = requests.get(url + "/readyz", timeout=30)
        assert ready.status_code == 200, ready.text
        assert (elsewhere / "var" / "portal.db").exists()
    finally:
        stop(process)
    assert process.returncode == 0
    assert "decoy" not in (elsewhere / "serve.log").read_text()


@pytest.mark.parametrize("content", ["dev-only-not-secret\n", "too-short\n"])
def test_serve002_production_refuses_a_weak_secret_from_a_file(tmp_path: Path, content: str) -> None:
    secret = tmp_path / "secret-key"
    secret.write_text(content)
    env = base_env(
        tmp_path / "var",
        PORTAL_ENV="production",
        PORTAL_SECRET_KEY_FILE=str(secret),
        HOST="127.0.0.1",
        PORT=str(free_port()),
    )
    result = subprocess.run(
        [str(PORTAL), "serve"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "configuration error" in result.stderr and "PORTAL_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def raw_get(url: str, path: str, source: str, headers: dict[str, str]) -> str:
    """A GET sent from a chosen loopback address, as a proxy on another host would send it."""
    host, port = url.removeprefix("http://").split(":")
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection((host, int(port)), timeout=10, source_address=(source, 0)) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode("latin-1")


@pytest.fixture()
def production_serve(tmp_path: Path, demo_models_dir: Path) -> Iterator[str]:
    """Production settings, the secret from a file, header sign-in behind a proxy at 127.0.0.2."""
    secret = tmp_path / "secret-key"
    secret.write_text(STRONG_SECRET + "\n")
    shutil.copytree(demo_models_dir, tmp_path / "var")
    env = base_env(
        tmp_path / "var",
        PORTAL_ENV="production",
        PORTAL_SECRET_KEY_FILE=str(secret),
        PORTAL_AUTH="header",
        PORTAL_TRUSTED_PROXIES="127.0.0.2/32",
        PORTAL_VIEWER_GROUPS="staff",
        PORTAL_WORKERS="1",
    )
    process, url = start_serve(tmp_path, env)
    try:
        yield url
    finally:
        stop(process)


def test_serve003_the_trusted_proxy_says_a_request_was_https(production_serve: str) -> None:
    https = {"X-Forwarded-Proto": "https"}
    from_proxy = raw_get(production_serve, "/healthz", "127.0.0.2", https)
    assert from_proxy.startswith("HTTP/1.1 200") and "Strict-Transport-Security" in from_proxy
    from_elsewhere = raw_get(production_serve, "/healthz", "127.0.0.3", https)
    assert from_elsewhere.startswith("HTTP/1.1 200") and "Strict-Transport-Security" not in from_elsewhere


def test_serve004_the_proxy_signs_users_in_under_production_settings(production_serve: str) -> None:
    identity = {"X-Forwarded-User": "ana", "X-Forwarded-Groups": "staff"}
    signed_in = raw_get(production_serve, "/overview", "127.0.0.2", identity)
    assert signed_in.startswith("HTTP/1.1 200")
    page = requests.get(production_serve + "/overview", headers=identity, timeout=30)
    assert page.status_code == 401, "identity headers from an untrusted address must not sign anyone in"


def metric(url: str, name: str) -> float:
    text = requests.get(url + "/metrics", timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


def test_serve005_servers_sharing_a_data_dir_keep_their_own_metrics(data_dir: Path) -> None:
    env = base_env(data_dir, PORTAL_WORKERS="1")
    first: GunicornServer = start_gunicorn(env)
    try:
        record = {
            f["name"]: (f["categories"][0] if f.get("categories") else f.get("min"))
            for f in requests.get(first.url + "/api/v1/models/churn", timeout=10).json()["features"]
        }
        for _ in range(3):
            response = requests.post(
                first.url + "/api/v1/models/churn/predict", json={"records": [record]}, timeout=30
            )
            assert response.status_code == 200, response.text
        counted = metric(first.url, "portal_prediction_log_rows_total")
        assert counted >= 3
        second = start_gunicorn(env)
        try:
            assert metric(second.url, "portal_prediction_log_rows_total") == 0
            assert metric(first.url, "portal_prediction_log_rows_total") == counted, "start-up wiped them"
        finally:
            second.stop()
    finally:
        first.stop()
