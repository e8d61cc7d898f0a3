"""The fault suite in full: 16 clients on mixed routes while a worker dies, HUP reloads, Redis hangs and
stops, and PostgreSQL stops (private servers). Prints each fault's requests, 5xx, dropped connections
and p50/p95/p99, and the prediction-log rows lost or duplicated; ratios compare each fault's p95 with
the steady state's.
"""

from __future__ import annotations

import logging
import os

from bench.harness import Result, demo_data_dir, portal_env
from tests.api.test_predict_api import reference_records
from tests.support.fault_suite import FULL, run_suite

log = logging.getLogger("bench")


def run() -> list[Result]:
    rows = int(os.environ.get("BENCH_RESILIENCE_ROWS", "200000"))
    data_dir = demo_data_dir(rows)
    record = reference_records(data_dir, "churn", rows=1)[1][0]
    result = run_suite(data_dir, portal_env(data_dir), record, FULL)
    for line in result.lines():
        print(line, flush=True)
    steady = result.faults[0]
    results = [
        Result(
            f"p95 under {report.fault} vs steady ({report.server_errors} 5xx, {report.dropped} dropped)",
            report.p95,
            steady.p95,
            "ms",
            higher_is_better=False,
        )
        for report in result.faults[1:]
    ]
    results.append(
        Result(
            "prediction-log rows lost or duplicated, of the rows answered",
            len(result.lost) + result.duplicated,
            result.answered_ids,
            "rows",
            higher_is_better=False,
            goal="0",
        )
    )
    return results
