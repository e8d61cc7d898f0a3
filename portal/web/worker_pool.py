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
    """2 x cores + 1, but never more workers than available memory can hold at 512 MiB each."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    by_cpu = 2 * cores + 1
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
