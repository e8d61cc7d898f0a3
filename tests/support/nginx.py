"""Debian's nginx running the compose proxy's own nginx.conf, pointed at local upstreams.

deploy/compose/nginx.conf names the upstream `web:8050`, listens on port 80 and keeps its pid in
/tmp: only those lines are rewritten, so what runs is otherwise the file compose mounts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "compose" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
needs_nginx = pytest.mark.skipif(NGINX is None, reason="no nginx here (`make nginx` installs Debian's)")
UPSTREAM_LINE = re.compile(r"^\s*server web:8050 (?P<options>[^;]*);$", re.M)
# Which replica answered each request, for tests that check the round robin.
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
UPSTREAM_LOG = "log_format upstreams '$request_method $request_uri $status $upstream_addr';"


def local_config(
    upstreams: Sequence[int],
    port: int,
    folder: Path,
    identity: Mapping[str, str] | None = None,
) -> str:
    """The compose nginx.conf with its upstream on loopback ``upstreams`` and its listener on ``port``.

    ``identity`` is header mode as the config's comments describe it: these values (e.g.
    ``$http_x_forwarded_user``, a gateway's header passed on) replace the empty ones that drop
    client-sent identity headers.
    """
    text = CONFIG.read_text()
    options = UPSTREAM_LINE.search(text).group("options")
    servers = "\n".join(f"        server 127.0.0.1:{upstream} {options};" for upstream in upstreams)
    text = UPSTREAM_LINE.sub(servers, text).replace("listen 80;", f"listen 127.0.0.1:{port};")
    text = text.replace("pid /tmp/nginx.pid;", f"pid {folder}/nginx.pid;")
    # Without root, buffered bodies cannot go to the package's /var/lib/nginx: they go to the folder.
    # (As root, workers run as the package's user, who may not enter the folder but owns those.)
    temp = "" if os.geteuid() == 0 else "".join(f"\n    {k}_temp_path {folder}/{k}_temp;" for k in TEMP_PATHS)
    text = text.replace(
        "access_log /dev/stdout;", f"{UPSTREAM_LOG}\n    access_log {folder}/upstreams.log upstreams;{temp}"
    )
    for header, value in (identity or {}).items():
        dropped = f'proxy_set_header {header} "";'
        assert dropped in text, f"nginx.conf no longer drops a client-sent {header}"
        text = text.replace(dropped, f'proxy_set_header {header} "{value}";')
    return text


@contextmanager
def running_nginx(
    upstreams: Sequence[int], port: int, folder: Path, identity: Mapping[str, str] | None = None
) -> Iterator[str]:
    """nginx on ``local_config``; yields its URL once it answers, stops it afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "nginx.conf"
    config.write_text(local_config(upstreams, port, folder, identity))
    log_path = folder / "nginx.log"
    argv = [NGINX, "-c", str(config), "-p", f"{folder}/", "-g", "daemon off;"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(url + "/healthz", timeout=1)
                break
            except requests.RequestException:
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def upstream_log(folder: Path) -> list[tuple[str, str, int, str]]:
    """(method, URI, status, upstream addresses) per request nginx finished, oldest first."""
    path = folder / "upstreams.log"
    rows = []
    for line in path.read_text().splitlines() if path.exists() else []:
        method, uri, status, upstream = line.split(" ", 3)
        rows.append((method, uri, int(status), upstream))
    return rows
