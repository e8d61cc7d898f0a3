"""A throw-away PostgreSQL 15 cluster on a free loopback port, which a test may stop and restart.

Never the shared server on 5432: outage tests stop this one instead. ``initdb`` and ``pg_ctl``
refuse to run as root, so they run as the ``postgres`` user in a temp dir it owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.servers import free_port

BIN = Path("/usr/lib/postgresql/15/bin")


class PrivatePostgres:
    """One cluster: ``start``, ``stop`` (fast shutdown) and ``url`` of its ``postgres`` database."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        command = list(argv)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    def init(self) -> None:
        done = self._run(
            str(BIN / "initdb"),
            "-D",
            str(self.folder / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        if done.returncode:
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        done = self._run(
            str(BIN / "pg_ctl"),
            "-D",
            str(self.folder / "data"),
            "-l",
            str(self.folder / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        if done.returncode:
            raise RuntimeError(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{self.log()}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.answers():
                return
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not answer on port {self.port}:\n{self.log()}")

    def stop(self) -> None:
        self._run(str(BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    def answers(self) -> bool:
        engine = sa.create_engine(self.url, connect_args={"connect_timeout": 2}, poolclass=sa.NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.OperationalError:
            return False
        finally:
            engine.dispose()

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started cluster, removed afterwards; skipped with the reason when PostgreSQL 15 is not installed."""
    if not (BIN / "initdb").exists() or not (BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL 15 server binaries are not in {BIN} (Debian: apt-get install postgresql-15)")
    folder = Path(tempfile.mkdtemp(prefix="portal-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    server = PrivatePostgres(folder, free_port())
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
