"""Drift on 1,000,000 rows by 20 features: ours against Evidently's data drift preset, same data, same run.

Evidently runs in ``.venv-evidently`` (``make bench`` creates it from bench/requirements-evidently.txt),
because it pins plotly<6; without that virtualenv this benchmark says so and is skipped.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.harness import ROOT, Result
from models import drift

ROWS = 1_000_000
EVIDENTLY_PYTHON = ROOT / ".venv-evidently" / "bin" / "python"
NUMERIC = [f"n{i:02d}" for i in range(14)]
CATEGORICAL = [f"c{i:02d}" for i in range(6)]
# Shifted in the current window: a mix of clearly, barely and not drifted features.
SHIFTS = {"n00": 0.5, "n01": 0.05, "n05": 0.3, "n09": 0.0, "c00": 0.6, "c03": 0.02}


def _frame(rows: int, seed: int, shifted: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {}
    for index, name in enumerate(NUMERIC):
        shift = SHIFTS.get(name, 0.0) if shifted else 0.0
        kind = index % 4
        if kind == 0:
            columns[name] = rng.normal(shift, 1.0, rows)
        elif kind == 1:
            columns[name] = rng.lognormal(shift, 0.8, rows)
        elif kind == 2:
            columns[name] = rng.poisson(3 + 10 * shift, rows).astype(float)
        else:
            columns[name] = rng.integers(0, 3, rows).astype(float)  # few values: a categorical test
    for index, name in enumerate(CATEGORICAL):
        size = 2 if index == 5 else 3 + 2 * index
        weights = np.linspace(1, 2, size)
        if shifted:
            weights[0] *= 1 + 3 * SHIFTS.get(name, 0.0)
        values = np.array([f"{name}_{k}" for k in range(size)], dtype=object)
        columns[name] = rng.choice(values, rows, p=weights / weights.sum())
    return pd.DataFrame(columns)


def run() -> list[Result]:
    if not EVIDENTLY_PYTHON.exists():
        print(f"skipped: {EVIDENTLY_PYTHON} is missing; `make bench` creates it")
        return []
    reference, current = _frame(ROWS, 1, False), _frame(ROWS, 2, True)
    kinds = {name: drift.NUMERIC for name in NUMERIC} | {name: drift.CATEGORICAL for name in CATEGORICAL}
    with tempfile.TemporaryDirectory(prefix="portal-drift-") as folder:
        ref_path, cur_path = Path(folder) / "reference.parquet", Path(folder) / "current.parquet"
        reference.to_parquet(ref_path)
        current.to_parquet(cur_path)
        started = time.perf_counter()
        ours = drift.dataset_drift(reference, current, kinds)
        our_seconds = time.perf_counter() - started
        completed = subprocess.run(
            [
                str(EVIDENTLY_PYTHON),
                str(ROOT / "bench" / "evidently_drift.py"),
                str(ref_path),
                str(cur_path),
                ",".join(NUMERIC),
                ",".join(CATEGORICAL),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=1800,
        )
    if completed.returncode != 0:
        print(f"skipped: Evidently failed: {completed.stderr.strip().splitlines()[-1:]}")
        return []
    theirs = json.loads(completed.stdout)
    mine = {f.feature: f for f in ours.features}
    agree = sum(mine[name].drifted == column["drifted"] for name, column in theirs["columns"].items())
    for name, column in sorted(theirs["columns"].items()):
        found = mine[name]
        print(
            f"  {name}: ours {found.test} {found.statistic:.5g} drifted={found.drifted}; "
            f"Evidently {column['test']} {column['score']:.5g} drifted={column['drifted']}"
        )
    same = agree == len(theirs["columns"]) and ours.drifted == theirs["dataset_drift"]
    return [
        Result(
            f"drift, {ROWS:,} rows x {len(kinds)} features vs Evidently DataDriftPreset "
            f"(same verdicts on {agree}/{len(theirs['columns'])} features, dataset verdict "
            f"{'agrees' if same else 'DIFFERS'})",
            our_seconds,
            theirs["seconds"],
            "s",
            False,
            "<= 0.2 (5x faster)",
        )
    ]
