"""How big gunicorn's worker pool is, and where its workers leave their metrics (for gunicorn_conf).

Nothing here imports prometheus_client: the metrics folder must be chosen before it loads.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

WORKER_MEMORY_BYTES = 512 * 1024 * 1024
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def default_workers() -> int:
    """One worker per core (at least 2), but never more than available memory holds at 512 MiB each.

    The work is CPU-bound Python, so a process per core uses every core; each worker's threads
    cover the waits on the database and cache, and concurrent predictions inside one worker share
    model calls (models/predict_batching.py), which more, emptier workers would not.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    by_cpu = max(2, cores)
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return by_cpu
    return max(1, min(by_cpu, available // WORKER_MEMORY_BYTES))


def prepare_metrics_dir() -> Path:
    """A fresh folder for this server's per-worker metric files, set before prometheus_client loads.

    It lives in the temporary directory, one per gunicorn master: never in the data dir, which
    replicas share, where one server would wipe another's files at start-up and workers with the
    same PID in two containers would write the same file.
    """
    folder = Path(tempfile.gettempdir()) / f"portal-metrics-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(folder.resolve())
    return folder
