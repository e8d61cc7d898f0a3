"""gunicorn settings, read by default from the working directory; values come from PORTAL_* vars."""

from __future__ import annotations

from portal.startup import settings_or_exit
from portal.threads import cap_loaded_pools
from portal.web.worker_pool import default_workers, prepare_metrics_dir

# Before the app (and numpy/scikit-learn) is preloaded, so the master and every forked worker
# start with capped OpenMP/BLAS pools.
_settings = settings_or_exit()
prepare_metrics_dir(_settings.data_dir)

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
