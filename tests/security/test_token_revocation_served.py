"""Real gunicorn, two replicas of two workers on one data dir: every worker keeps the token, and
every worker refuses it on the very next request after a revocation made in another process."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import psutil
import pytest

from portal.cli import main
from tests.conftest import base_env
from tests.security.conftest import HEADER_ENV
from tests.security.test_tokens import _create, cli_env  # noqa: F401 (a fixture)
from tests.support.servers import GunicornServer, child_pids, start_gunicorn

pytestmark = [pytest.mark.gunicorn, pytest.mark.slow]
ROUTE = "/api/v1/models/churn"


@pytest.fixture()
def replicas(cli_env) -> Iterator[list[GunicornServer]]:  # noqa: F811
    """Two gunicorn masters sharing the data dir (and so its database), as two replicas would."""
    env = base_env(cli_env, PORTAL_WORKERS="2", **HEADER_ENV)
    servers: list[GunicornServer] = []
    try:
        for _ in range(2):
            servers.append(start_gunicorn(env))
        yield servers
    finally:
        for server in servers:
            server.stop()


def _owner(server: GunicornServer, connection: http.client.HTTPConnection) -> int | None:
    """The worker process holding the server end of ``connection``."""
    local_port = connection.sock.getsockname()[1]
    for pid in child_pids(server.process.pid):
        try:
            sockets = psutil.Process(pid).net_connections(kind="tcp")
        except psutil.Error:
            continue
        if any(s.raddr and s.raddr.port == local_port for s in sockets):
            return pid
    return None


def _get(connection: http.client.HTTPConnection, secret: str) -> tuple[int, dict]:
    connection.request("GET", ROUTE, headers={"Authorization": f"Bearer {secret}"})
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def _one_connection_per_worker(server: GunicornServer, secret: str) -> dict[int, http.client.HTTPConnection]:
    """Keep-alive connections until each of the two workers holds one that has used the token."""
    parts = urlsplit(server.url)
    held: dict[int, http.client.HTTPConnection] = {}
    for _ in range(40):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        status, _ = _get(connection, secret)
        assert status == 200
        worker = _owner(server, connection)
        if worker is not None and worker not in held:
            held[worker] = connection
        else:
            connection.close()
        if len(held) == 2:
            return held
    raise AssertionError(f"connections reached only workers {sorted(held)}")


def test_tkr001_a_revocation_in_another_process_is_refused_by_every_worker_of_every_replica(
    replicas, capsys
) -> None:
    secret = _create(capsys, "served job", "--role", "viewer")
    held = [_one_connection_per_worker(server, secret) for server in replicas]
    connections = [connection for per_server in held for connection in per_server.values()]
    assert len(connections) == 4
    for connection in connections:
        for _ in range(3):
            assert _get(connection, secret)[0] == 200, "kept by that worker"

    assert main(["tokens", "revoke", secret.split("_")[1]]) == 0
    for connection in connections:
        status, body = _get(connection, secret)
        assert status == 401, "the very next request on every worker"
        assert body["error"]["message"] == "The API token is not valid: it is unknown, revoked or expired."
        connection.close()
