"""A throw-away ``redis-server`` on a free loopback port, which a test may stop, freeze and restart.

Never the shared server on 6379: outage tests and the fault suite stop this one instead.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.servers import free_port


class PrivateRedis:
    """A throw-away ``redis-server`` on one loopback port; it can be stopped, frozen and restarted."""

    def __init__(self, binary: str, port: int, folder: Path) -> None:
        self.binary = binary
        self.port = port
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        self.frozen = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def log(self) -> str:
        path = self.folder / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self, timeout: float = 15.0) -> None:
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}:\n{self.log()}")
            if self.answers_ping():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer PING on port {self.port}:\n{self.log()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        if self.frozen:
            self.thaw(process)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def freeze(self) -> None:
        """Stop the process without closing its socket: clients connect but get no answer."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self, process: subprocess.Popen[bytes] | None = None) -> None:
        process = process or self.process
        assert process is not None
        process.send_signal(signal.SIGCONT)
        self.frozen = False


@contextmanager
def private_redis_server(folder: Path | None = None) -> Iterator[PrivateRedis]:
    """A started private ``redis-server``, stopped afterwards; RedisUnavailable when none is installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisUnavailable("redis-server is not on PATH (Debian: apt-get install redis-server)")
    own_folder = folder is None
    folder = Path(tempfile.mkdtemp(prefix="portal-redis-")) if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    server = PrivateRedis(binary, free_port(), folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if own_folder:
            shutil.rmtree(folder, ignore_errors=True)


class RedisUnavailable(RuntimeError):
    """No redis-server binary to start a private server with."""
