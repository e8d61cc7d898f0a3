"""compose.yaml's app services run as local processes: each service's own command and environment.

Only what a container network gives for free is mapped: the hostnames `postgres`, `redis` and
`proxy` become loopback servers, each volume becomes a folder (named volumes one shared folder,
bind mounts the checkout's file), and each web replica gets its own port. Everything else, the
commands included, comes from compose.yaml and the .env values passed in, so the compose file
cannot rot without the test that runs it failing.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from tests.support.compose import COMPOSE_FILE, ROOT

PORTAL = Path(sys.executable).with_name("portal")
# The header comment's optional step, e.g. `docker compose run --rm web demo --if-missing`.
RUN_LINE = re.compile(r"^#\s+docker compose run --rm (?P<service>[\w-]+) (?P<args>[^#\n]+?)\s*(#|$)", re.M)
CLAIM_KEY = "portal-topology-test-claim"
# Claims a Redis database only while it is empty, atomically, so parallel runs never share one.
CLAIM_SCRIPT = (
    "if redis.call('DBSIZE') == 0 then redis.call('SET', KEYS[1], ARGV[1], 'EX', 3600) return 1 end return 0"
)


def documented_runs(text: str | None = None) -> list[tuple[str, list[str]]]:
    """The `docker compose run` steps compose.yaml's header asks an operator for: (service, command)."""
    text = COMPOSE_FILE.read_text() if text is None else text
    return [(m.group("service"), shlex.split(m.group("args"))) for m in RUN_LINE.finditer(text)]


@contextmanager
def claimed_redis_databases(url: str, count: int) -> Iterator[list[int]]:
    """``count`` empty database indexes of the Redis at ``url``, marked as taken; emptied afterwards."""
    import redis

    base = redis.Redis.from_url(url)
    try:
        total = int(base.config_get("databases").get("databases", 16))
    except redis.ResponseError:  # CONFIG disabled: Redis' default count
        total = 16
    token = uuid.uuid4().hex
    claimed: list[int] = []
    try:
        for index in range(total - 1, 0, -1):
            if len(claimed) == count:
                break
            client = redis.Redis.from_url(redis_database(url, index))
            if client.eval(CLAIM_SCRIPT, 1, CLAIM_KEY, token):
                claimed.append(index)
            client.close()
        assert len(claimed) == count, f"Redis at {url} has fewer than {count} empty databases"
        yield claimed
    finally:
        for index in claimed:
            client = redis.Redis.from_url(redis_database(url, index))
            if client.get(CLAIM_KEY) in (token.encode(), None):
                client.flushdb()
            client.close()
        base.close()


def redis_database(url: str, index: int) -> str:
    """``url`` with its database index replaced (redis-py prefers the URL's index over ``db=``)."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{index}"))


def _with_host(value: str, hosts: Mapping[str, str]) -> str:
    """A URL whose host is a compose service name, pointed at that service's local address."""
    parts = urlsplit(value)
    if not parts.scheme or parts.hostname not in hosts:
        return value
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{hosts[parts.hostname]}" if userinfo else hosts[parts.hostname]
    return urlunsplit(parts._replace(netloc=netloc))


def _mounts(service: Mapping[str, Any], volumes: Mapping[str, Path]) -> dict[str, Path]:
    """Container path -> local path for each of the service's volumes."""
    found = {}
    for entry in service.get("volumes", []):
        source, target = entry.split(":")[:2]
        found[target] = ROOT / source if source.startswith((".", "/")) else volumes[source]
    return found


def container_paths(services: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Every path some service mounts a volume at."""
    return {entry.split(":")[1] for service in services.values() for entry in service.get("volumes", [])}


def local_environment(
    service: Mapping[str, Any],
    hosts: Mapping[str, str],
    volumes: Mapping[str, Path],
    unmounted: tuple[set[str], Path] = (set(), Path("/nonexistent")),
) -> dict[str, str]:
    """The service's compose environment with service hostnames and volume paths made local.

    A path other services mount but this one does not (``unmounted``: those paths, and a folder
    that is never created) is absent in its container, so it points at nothing here either.
    """
    paths, nowhere = unmounted
    mounts = {target: nowhere / target.lstrip("/") for target in paths}
    mounts.update(_mounts(service, volumes))
    environment = {}
    for name, raw in service.get("environment", {}).items():
        value = _with_host(str(raw), hosts)
        for target, local in mounts.items():
            if value == target or value.startswith(target + "/"):
                value = str(local) + value[len(target) :]
        environment[name] = value
    if environment.get("HOST") == "0.0.0.0":
        environment["HOST"] = "127.0.0.1"  # the container network is this machine's loopback here
    return environment


def process_environment(environment: Mapping[str, str]) -> dict[str, str]:
    """What a local process gets: this machine's basics (PATH, HOME, ...) and no inherited PORTAL_*."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    return {**inherited, **environment}


def command(service: Mapping[str, Any]) -> list[str]:
    """The service's command run by the image's entrypoint, the `portal` CLI (the venv's here)."""
    return [str(PORTAL), *service["command"]]


@dataclasses.dataclass
class ServiceProcess:
    """One running instance of a compose service, in its own process group."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=self.log_path.parent,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        """SIGKILL the whole process group (a gunicorn master and its workers), as a crash would."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        wait_until(lambda: not group_members(self.process.pid), 10, f"every process of {self.name} to die")

    def stop(self, grace: float = 30.0) -> None:
        """TERM the group, then KILL it if it is still there after ``grace`` seconds."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def group_members(group: int) -> set[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    members = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.add(int(entry.name))
    return members


def run_once(name: str, argv: list[str], env: dict[str, str], folder: Path, timeout: float) -> str:
    """A one-shot service (or `docker compose run` step): its output; fails the test on a non-zero exit."""
    result = subprocess.run(
        argv, cwd=folder, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{name} ({shlex.join(argv[1:])}) exited {result.returncode}:\n{output}"
    return output


def wait_until(check: Any, timeout: float, what: str, process: ServiceProcess | None = None) -> None:
    """Poll ``check()`` until it is true; fails with ``what`` (and the process's log if it died)."""
    deadline = time.monotonic() + timeout
    while not check():
        if process is not None and not process.alive():
            raise AssertionError(f"{process.name} exited while waiting for {what}:\n{process.log()[-4000:]}")
        if time.monotonic() > deadline:
            tail = process.log()[-4000:] if process is not None else ""
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{tail}")
        time.sleep(0.3)


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False
