"""Start and stop a real gunicorn on a free loopback port for tests and benchmarks."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclasses.dataclass
class GunicornServer:
    """A running gunicorn master; ``url`` is its base address."""

    process: subprocess.Popen
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gunicorn(
    env: dict[str, str],
    timeout: float = 60.0,
    extra_args: tuple[str, ...] = (),
    command: tuple[str, ...] | None = None,
) -> GunicornServer:
    """Launch ``gunicorn`` with the project's config and wait until /healthz answers.

    ``command`` replaces the launch, e.g. ``("-m", "portal.cli", "serve")``, which execs gunicorn.
    """
    port = free_port()
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port)}
    log_dir = Path(env.get("PORTAL_DATA_DIR", "/tmp"))
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"gunicorn-{port}.log"
    handle = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, *(command or ("-m", "gunicorn", "--config", "gunicorn.conf.py", *extra_args))],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    server = GunicornServer(process, url, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{server.log()}")
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn did not become healthy in {timeout}s:\n{server.log()}")


def child_pids(parent_pid: int) -> set[int]:
    """PIDs of a process's current children, from /proc."""
    children = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent_pid:
            children.add(int(entry.name))
    return children


def _dirty_arbiter_sockets() -> set[str]:
    """Inodes of the unix sockets gunicorn's dirty arbiters listen on (``.../arbiter.sock``)."""
    inodes = set()
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[7].endswith("/arbiter.sock"):
            inodes.add(fields[6])
    return inodes


def is_dirty_arbiter(pid: int) -> bool:
    """The master's other child: gunicorn's dirty arbiter, which supervises the scheduler's process."""
    sockets = _dirty_arbiter_sockets()
    try:
        links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
    except OSError:
        return False
    return any(link.startswith("socket:[") and link[8:-1] in sockets for link in links)


def dirty_arbiter_pids(master_pid: int) -> set[int]:
    return {pid for pid in child_pids(master_pid) if is_dirty_arbiter(pid)}


def worker_pids(master_pid: int) -> set[int]:
    """PIDs of a gunicorn master's current HTTP workers (not its dirty arbiter), from /proc."""
    children = child_pids(master_pid)
    return children - {pid for pid in children if is_dirty_arbiter(pid)}


def descendant_pids(root_pid: int) -> set[int]:
    """Every process below ``root_pid`` (children, their children, ...)."""
    found: set[int] = set()
    frontier = {root_pid}
    while frontier:
        children = set().union(*(child_pids(pid) for pid in frontier)) - found
        found |= children
        frontier = children
    return found
