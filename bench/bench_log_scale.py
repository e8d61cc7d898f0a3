"""The prediction log at scale: Feedback, Drift and live Performance on a 5,000,000-row log against 500,000.

Each log is bulk-filled (``bench.synthetic_log``) over the last 90 days, with the same 2,000
predictions labelled in both. Each page is opened cold (first load after start) and warm, timed to
``portalReady`` in Chromium; then the peak resident memory of every gunicorn worker is read.
``BENCH_LOG_SCALE_PAGES`` (comma-separated names, e.g. ``Drift``) times only those pages, so one page's
change can be measured without the others' minutes.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench.harness import Result, demo_data_dir, portal_env, serve
from bench.synthetic_log import fill_log
from portal.db import migrate
from portal.db.engine import create_engine
from tests.support.browser import chromium_context
from tests.support.servers import worker_pids

SIZES = (500_000, 5_000_000)
LABELLED = 2000
WARM_LOADS = 2
READY = "() => document.body.dataset.portalReady === 'true'"
PAGES = {
    "Feedback": "/feedback?model=churn",
    "Drift": "/drift?model=churn",
    "Performance (live)": "/performance?model=churn&source=live",
}


def _pages() -> dict[str, str]:
    """The pages to time: all, or those named in ``BENCH_LOG_SCALE_PAGES``; a wrong name is an error."""
    wanted = [n.strip() for n in os.environ.get("BENCH_LOG_SCALE_PAGES", "").split(",") if n.strip()]
    unknown = [n for n in wanted if n not in PAGES]
    if unknown:
        raise SystemExit(f"BENCH_LOG_SCALE_PAGES: unknown page {unknown!r}; choose from {sorted(PAGES)}")
    return {n: PAGES[n] for n in wanted} if wanted else dict(PAGES)


def _log_dir(rows: int) -> Path:
    """The bench demo's models with a log of ``rows`` synthetic predictions, 2,000 of them labelled."""
    target = Path(tempfile.mkdtemp(prefix=f"portal-bench-log-{rows}-")) / "var"
    shutil.copytree(demo_data_dir(20_000), target)
    migrate.upgrade_url(f"sqlite:///{target / 'portal.db'}")
    fill_log(target, rows)
    engine = create_engine(f"sqlite:///{target / 'portal.db'}")
    with engine.begin() as connection:
        newest = connection.execute(
            sa.text("SELECT prediction_id, output FROM prediction_log ORDER BY created_at DESC LIMIT :n"),
            {"n": LABELLED},
        ).all()
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        connection.execute(
            sa.text(
                "INSERT INTO feedback (prediction_id, model_name, outcome, verdict, user_name, created_at, "
                "source) VALUES (:pid, 'churn', NULL, :verdict, 'bench', :now, 'csv')"
            ),
            [
                {"pid": pid, "verdict": "correct" if index % 4 else "incorrect", "now": now}
                for index, (pid, _output) in enumerate(newest)
            ],
        )
    engine.dispose()
    return target


def _peak_rss_mb(master_pid: int) -> float:
    """The largest peak resident set (VmHWM) of the server's workers, in MiB."""
    peaks = []
    for pid in worker_pids(master_pid):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks, default=float("nan"))


def _measure(url: str, pages: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Per page: (cold, warm median) milliseconds from navigation to portalReady."""
    timings: dict[str, tuple[float, float]] = {}
    with chromium_context() as context:
        page = context.new_page()
        for name, path in pages.items():
            loads = []
            for _ in range(WARM_LOADS + 1):
                started = time.perf_counter()
                page.goto(url + path, wait_until="commit")
                page.wait_for_function(READY, timeout=600_000, polling=50)
                loads.append((time.perf_counter() - started) * 1000)
            timings[name] = (loads[0], statistics.median(loads[1:]))
        page.close()
    return timings


def run() -> list[Result]:
    timings: dict[int, dict[str, tuple[float, float]]] = {}
    rss: dict[int, float] = {}
    pages = _pages()
    for rows in SIZES:
        folder = _log_dir(rows)
        server = serve(portal_env(folder, PORTAL_WORKERS="2"))
        try:
            timings[rows] = _measure(server.url, pages)
            rss[rows] = _peak_rss_mb(server.process.pid)
        finally:
            server.stop()
            shutil.rmtree(folder.parent, ignore_errors=True)
    small, large = SIZES
    results = []
    for name in pages:
        for index, kind in enumerate(("first load", "repeat")):
            results.append(
                Result(
                    f"{name} to portalReady, {kind}, {large:,} vs {small:,} logged rows",
                    timings[large][name][index],
                    timings[small][name][index],
                    "ms",
                    False,
                    "<= 1.5",
                )
            )
    results.append(
        Result(
            f"peak worker RSS, {large:,} vs {small:,} logged rows",
            rss[large],
            rss[small],
            "MiB",
            False,
            "<= 1.2",
        )
    )
    return results
