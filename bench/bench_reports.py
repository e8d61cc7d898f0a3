"""Report render time per page against a bare ``chromium --headless --screenshot`` of the same URL.

The bare screenshot waits for nothing (it captures whatever is drawn when the load event fires),
so it is the floor; the report renderer also waits for portalReady, checks the output and guards
every request. Both start their own browser for each measurement, as a report run does.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.harness import Result, demo_data_dir, portal_env, serve
from portal.config import load_settings
from portal.reports.definitions import PageSpec
from portal.reports.render import CHROMIUM_ARGS, Renderer
from portal.reports.targets import page_url
from portal.reports.verify import check_image

ROWS = 200_000
RUNS = 3
VIEWPORT = (1280, 900)
CHROMIUM = Path("/usr/bin/chromium")
PAGES = (
    PageSpec("/overview", (("model", "churn"),)),
    PageSpec("/performance", (("model", "churn"),)),
    PageSpec("/models", (("model", "churn"),)),
)


def _bare_screenshot_ms(url: str) -> float:
    with tempfile.TemporaryDirectory(prefix="portal-bench-bare-") as folder:
        target = Path(folder) / "shot.png"
        started = time.perf_counter()
        subprocess.run(
            [
                str(CHROMIUM),
                *CHROMIUM_ARGS,
                f"--user-data-dir={folder}/profile",
                f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}",
                f"--screenshot={target}",
                url,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        elapsed = (time.perf_counter() - started) * 1000
        if not target.is_file():
            raise RuntimeError(f"chromium --screenshot wrote nothing for {url}")
    return elapsed


def _report_page_ms(origin: str, url: str) -> float:
    started = time.perf_counter()
    with Renderer(CHROMIUM, origin, VIEWPORT, timeout_seconds=120) as renderer:
        capture = renderer.capture(url)
    elapsed = (time.perf_counter() - started) * 1000
    check_image(capture.png)
    return elapsed


def run() -> list[Result]:
    env = portal_env(demo_data_dir(ROWS))
    server = serve(env)
    # What a report opens: the /embed copy with a report token signed by the served portal's secret.
    settings = load_settings({**env, "PORTAL_REPORT_BASE_URL": server.url})
    results = []
    try:
        for page in PAGES:
            url = page_url(settings, "bench", page)
            _report_page_ms(server.url, url)  # warm the caches; not what we measure
            portal = statistics.median(_report_page_ms(server.url, url) for _ in range(RUNS))
            floor = statistics.median(_bare_screenshot_ms(url) for _ in range(RUNS))
            results.append(Result(f"report render {page.path} ({ROWS:,} rows)", portal, floor, "ms", False))
    finally:
        server.stop()
    return results
