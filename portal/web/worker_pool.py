"""How big gunicorn's worker pool is, and where its workers leave their metrics; read by gunicorn.conf.py.

Nothing here imports prometheus_client: the metrics folder must be chosen before it loads.
"""

from __future__ import annotations

import os
import shutil
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


def prepare_metrics_dir(data_dir: Path) -> None:
    """A fresh folder for per-worker metric files; must be set before prometheus_client is imported."""
    folder = data_dir / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(folder.resolve())
