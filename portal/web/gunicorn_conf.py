"""gunicorn's settings for the portal, shipped in the package so ``portal serve`` runs from anywhere.

``portal serve`` loads this module (``--config python:portal.web.gunicorn_conf``); the
``gunicorn.conf.py`` at the top of a checkout imports it, for ``gunicorn --config gunicorn.conf.py``.
Every value comes from the ``PORTAL_*`` settings, read once here before the app is imported.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from gunicorn.util import getcwd

from portal.startup import settings_or_exit
from portal.threads import cap_loaded_pools
from portal.web.worker_pool import default_workers, prepare_metrics_dir

__all__ = [
    "bind",
    "child_exit",
    "control_socket_disable",
    "dirty_worker_exit",
    "errorlog",
    "forwarded_allow_ips",
    "graceful_timeout",
    "keepalive",
    "logconfig_dict",
    "loglevel",
    "max_requests",
    "max_requests_jitter",
    "on_exit",
    "post_fork",
    "pre_request",
    "preload_app",
    "proc_name",
    "threads",
    "timeout",
    "worker_class",
    "workers",
    "wsgi_app",
]


def _portal_before_working_directory() -> None:
    """Find the portal's own modules before anything in the directory gunicorn was started in.

    gunicorn puts its working directory on ``sys.path`` (first, unless it is there already), so a
    ``wsgi.py`` or a ``models/`` folder where an operator happens to start it would shadow ours; the
    folder holding the portal's packages (the checkout, or site-packages) goes just before it.
    """
    own = str(Path(__file__).resolve().parents[2])
    # gunicorn names the directory by $PWD when that is a symlink to it, so both spellings go last.
    here = list(dict.fromkeys((os.getcwd(), getcwd())))
    sys.path[:] = [entry for entry in sys.path if entry not in ("", own, *here)]
    sys.path.extend([own, *here])


_portal_before_working_directory()
# Before the app (and numpy/scikit-learn) is preloaded, so the master and every forked worker
# start with capped OpenMP/BLAS pools.
_settings = settings_or_exit()
_metrics_dir = prepare_metrics_dir()

from portal.log import gunicorn_logconfig  # noqa: E402
from portal.web.gunicorn_hooks import (  # noqa: E402  (after the metrics folder)
    after_fork,
    mark_repeated_headers,
    worker_exited,
)

wsgi_app = "wsgi:server"
bind = [f"{_settings.host}:{_settings.port}"]
workers = _settings.workers or default_workers()
worker_class = "gthread"
threads = 8  # per worker: waits on the database, cache and uploads overlap
preload_app = True
timeout = _settings.worker_timeout
graceful_timeout = 30
keepalive = 5
max_requests = _settings.max_requests
max_requests_jitter = _settings.max_requests_jitter
# X-Forwarded-Proto is believed from the same proxies as the sign-in headers, so the portal behind a
# TLS-terminating proxy knows a request was HTTPS (HSTS, Secure cookies, the same-origin check).
forwarded_allow_ips = ",".join(["127.0.0.1", "::1", *(str(network) for network in _settings.trusted_proxies)])
accesslog = None  # the app logs each request itself, with its request id
errorlog = "-"
loglevel = _settings.log_level
logconfig_dict = gunicorn_logconfig(_settings.log_level, _settings.log_format)
# Unique per address: gunicorn names its dirty arbiter's PID file after it, and kills the process a
# PID file names when it starts, so two portals on one host must never share a name.
proc_name = f"portal-{_settings.host}-{_settings.port}"
# The control socket lives at one fixed path per user, so several portals (or test servers)
# would fight over it; HUP/TERM signals are how the portal is managed.
control_socket_disable = True

if _settings.scheduler:
    # The report and alert scheduler runs in one dirty worker: gunicorn starts it after the app is
    # preloaded, respawns it if it dies, and stops it with the workers (portal/scheduler/sidecar.py).
    dirty_apps = ["portal.scheduler.sidecar:SchedulerSidecar"]
    dirty_workers = 1
    dirty_graceful_timeout = graceful_timeout
    __all__ += ["dirty_apps", "dirty_graceful_timeout", "dirty_workers"]


def post_fork(server, worker):
    """Cap pools already loaded by the preloaded app, and drop connections the master opened."""
    cap_loaded_pools(_settings.native_threads)
    after_fork()


def pre_request(worker, req):
    """Flag repeated identity headers while gunicorn can still see them apart (header sign-in only)."""
    if _settings.auth == "header":
        mark_repeated_headers(req.headers, (_settings.auth_user_header, _settings.auth_groups_header))


def child_exit(server, worker):
    """Forget the metrics of a worker that exited."""
    worker_exited(worker.pid)


def dirty_worker_exit(arbiter, worker):
    """The scheduler's worker exited: forget its metrics too."""
    worker_exited(worker.pid)


def on_exit(server):
    """The workers' metric files die with the server that summed them."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
