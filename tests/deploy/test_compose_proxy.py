"""The compose proxy's nginx.conf, run by Debian's nginx in front of two stand-in replicas.

The stand-ins echo what reached them, so the test sees what a web replica would: round robin
with no stickiness, the X-Forwarded-* headers, no client-sent identity headers, and failover.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from portal.config import SETTINGS
from tests.support.nginx import CONFIG, NGINX, UPSTREAM_LINE, local_config, needs_nginx, running_nginx
from tests.support.servers import free_port


def directive(name: str) -> str:
    match = re.search(rf"^\s*{name}\s+([^;]+);", CONFIG.read_text(), re.M)
    assert match, name
    return match.group(1)


def test_proxy001_round_robin_no_stickiness_and_the_upload_limit() -> None:
    text = CONFIG.read_text()
    upstream = re.search(r"upstream portal_web \{(.*?)\}", text, re.S).group(1)
    assert not re.search(r"^\s*(ip_hash|hash|sticky|least_conn|random)\b", upstream, re.M)
    assert UPSTREAM_LINE.search(text), "the upstream is the compose service `web`"
    size = directive("client_max_body_size")
    limit = int(size.removesuffix("m")) * 1024 * 1024
    batch_default = int(next(s.default for s in SETTINGS if s.env == "PORTAL_BATCH_MAX_BYTES"))
    assert batch_default <= limit <= batch_default * 1.1, "the portal answers oversize uploads itself"
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port"):
        assert re.search(rf"proxy_set_header {header} \$", text), header


class Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"replica": self.server.name, "headers": dict(self.headers.items())}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def replica(name: str) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Echo)
    server.name = name
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture()
def proxy(tmp_path: Path) -> Iterator[tuple[str, dict[str, ThreadingHTTPServer]]]:
    replicas = {name: replica(name) for name in ("a", "b")}
    ports = [r.server_port for r in replicas.values()]
    try:
        with running_nginx(ports, free_port(), tmp_path) as url:
            yield url, replicas
    finally:
        for server in replicas.values():
            server.shutdown()
            server.server_close()


@needs_nginx
def test_proxy002_nginx_accepts_the_config(tmp_path: Path) -> None:
    """`web` resolves only inside compose's network, so the check points the upstream at loopback."""
    config = tmp_path / "nginx.conf"
    config.write_text(local_config([8050], free_port(), tmp_path))
    argv = [NGINX, "-t", "-c", str(config), "-p", f"{tmp_path}/"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


@needs_nginx
def test_proxy003_requests_alternate_and_carry_forwarded_headers_but_no_client_identity(proxy) -> None:
    url, _ = proxy
    forged = {"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "portal-admins", "X-Forwarded-Ssl": "on"}
    # One client connection, so one nginx worker (each worker keeps its own round-robin turn): even a
    # client that keeps its connection open is handed to the replicas in turn.
    session = requests.Session()
    answers = [session.get(url + "/overview", headers=forged, timeout=10).json() for _ in range(6)]
    order = [answer["replica"] for answer in answers]
    assert order in (["a", "b"] * 3, ["b", "a"] * 3), order
    headers = {name.lower(): value for name, value in answers[0]["headers"].items()}
    port = url.rsplit(":", 1)[1]
    assert headers["host"] == f"127.0.0.1:{port}"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"] == "127.0.0.1" and headers["x-forwarded-port"] == port
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])
    assert not {"x-forwarded-user", "x-forwarded-groups", "x-forwarded-ssl"} & set(headers)


@needs_nginx
def test_proxy004_a_replica_that_is_gone_is_skipped(proxy) -> None:
    url, replicas = proxy
    replicas["b"].shutdown()
    replicas["b"].server_close()
    answers = [requests.get(url + "/", timeout=10) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 6
    assert {a.json()["replica"] for a in answers} == {"a"}


@needs_nginx
def test_proxy005_an_upload_over_the_limit_is_refused_before_it_is_sent(proxy) -> None:
    url, _ = proxy
    host, port = url.removeprefix("http://").split(":")
    too_big = int(directive("client_max_body_size").removesuffix("m")) * 1024 * 1024 + 1
    request = f"POST /batch/upload HTTP/1.1\r\nHost: {host}\r\nContent-Length: {too_big}\r\n\r\n"
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request.encode())
        assert sock.recv(4096).startswith(b"HTTP/1.1 413")
