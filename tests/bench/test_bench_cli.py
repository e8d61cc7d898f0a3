"""``python -m bench`` names its benchmarks and refuses an unknown one by name, without a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_bcl001_help_lists_the_benchmarks() -> None:
    shown = bench("--help")
    assert shown.returncode == 0, shown.stderr
    assert "Benchmarks: " in shown.stdout and "prediction" in shown.stdout and "reports" in shown.stdout


def test_bcl002_an_unknown_benchmark_is_refused_by_name_before_anything_runs() -> None:
    refused = bench("prediction", "nosuch")
    assert refused.returncode == 2
    assert "unknown benchmark 'nosuch'; choose from: " in refused.stderr
    assert "Traceback" not in refused.stderr and "== bench_prediction" not in refused.stdout
