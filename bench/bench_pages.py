"""Navigation to render-complete (portalReady) per page with 200k and 1M rows, and peak callback size."""

from __future__ import annotations

import statistics

from bench.harness import Result, demo_data_dir, portal_env, serve
from layouts import PAGES
from tests.support.browser import chromium_context

SIZES = (200_000, 1_000_000)
LOADS = 3
READY = "() => document.body.dataset.portalReady === 'true'"


def _measure(url: str, sizes: list[int]) -> float:
    """Milliseconds from navigation start to portalReady, median of warm loads."""
    timings = []
    with chromium_context() as context:
        page = context.new_page()
        page.on(
            "response",
            lambda r: sizes.append(len(r.body())) if "_dash-update-component" in r.url and r.ok else None,
        )
        for attempt in range(LOADS + 1):
            page.goto(url, wait_until="commit")
            page.wait_for_function(READY, timeout=180_000, polling=50)
            if attempt:  # the first load fills the caches
                timings.append(page.evaluate("() => performance.now()"))
        page.close()
    return statistics.median(timings)


def run() -> list[Result]:
    timings: dict[int, dict[str, float]] = {}
    peak: dict[int, int] = {}
    for rows in SIZES:
        server = serve(portal_env(demo_data_dir(rows)))
        sizes: list[int] = []
        try:
            timings[rows] = {page.name: _measure(server.url + page.path, sizes) for page in PAGES}
        finally:
            server.stop()
        peak[rows] = max(sizes, default=0)
    small, large = SIZES
    results = [
        Result(
            f"{name} page to portalReady, {large:,} vs {small:,} rows",
            timings[large][name],
            timings[small][name],
            "ms",
            False,
            "< 2",
        )
        for name in timings[small]
    ]
    results.append(
        Result(
            f"peak callback response, {large:,} vs {small:,} rows",
            peak[large] / 1024,
            peak[small] / 1024,
            "KiB",
            False,
            "portal value < 2048 KiB",
        )
    )
    return results
