"""Performance estimation (CBPE) on 1,000,000 rows: ours against NannyML's CBPE, same data, same run.

Both fit on the same 100,000 labelled reference rows and estimate accuracy, precision, recall, F1
and ROC AUC for ten chunks of 100,000 unlabelled rows whose inputs have shifted (no concept
shift), from a model whose probabilities are miscalibrated. NannyML runs in ``.venv-nannyml``
(``make bench`` creates it from bench/requirements-nannyml.txt); without it this benchmark says so
and is skipped. Ours is timed as the portal runs it: fit, bins per chunk, estimate per chunk.
"""

from __future__ import annotations

import json
import logging
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.harness import ROOT, Result
from models.estimation import CLASSIFIER_METRICS, fit_cbpe, realized_metrics

log = logging.getLogger(__name__)
ROWS = 1_000_000
REFERENCE_ROWS = 100_000
CHUNK = 100_000
NANNYML_PYTHON = ROOT / ".venv-nannyml" / "bin" / "python"


def _frame(rows: int, seed: int, a: float, b: float) -> pd.DataFrame:
    """Labels drawn from the true probability; the model reports a miscalibrated version of it."""
    rng = np.random.default_rng(seed)
    true = rng.beta(a, b, rows)
    raw = np.clip(true**0.7, 0.0, 1.0)
    return pd.DataFrame(
        {
            "y_pred_proba": raw,
            "y_pred": (raw > 0.5).astype(int),
            "y_true": (rng.random(rows) < true).astype(int),
        }
    )


def _ours(reference: pd.DataFrame, analysis: pd.DataFrame) -> tuple[float, list[dict]]:
    started = time.perf_counter()
    fitted = fit_cbpe(reference["y_pred_proba"].to_numpy(), reference["y_true"].to_numpy())
    raw = analysis["y_pred_proba"].to_numpy()
    estimates = [
        fitted.estimate(fitted.bins(raw[start : start + CHUNK])) for start in range(0, len(raw), CHUNK)
    ]
    return time.perf_counter() - started, estimates


def run() -> list[Result]:
    if not NANNYML_PYTHON.exists():
        print(f"skipped: {NANNYML_PYTHON} is missing; `make bench` creates it")
        return []
    reference = _frame(REFERENCE_ROWS, 1, 2.0, 3.0)
    analysis = _frame(ROWS, 2, 3.0, 2.5)
    with tempfile.TemporaryDirectory(prefix="portal-cbpe-") as folder:
        ref_path, cur_path = Path(folder) / "reference.parquet", Path(folder) / "analysis.parquet"
        reference.to_parquet(ref_path)
        analysis.to_parquet(cur_path)
        our_seconds, ours = _ours(reference, analysis)
        completed = subprocess.run(
            [
                str(NANNYML_PYTHON),
                str(ROOT / "bench" / "nannyml_cbpe.py"),
                str(ref_path),
                str(cur_path),
                str(CHUNK),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=1800,
        )
    if completed.returncode != 0:
        print(f"skipped: NannyML failed: {completed.stderr.strip().splitlines()[-3:]}")
        return []
    theirs = json.loads(completed.stdout)
    worst = 0.0
    for index, (mine, other) in enumerate(zip(ours, theirs["chunks"], strict=True)):
        part = analysis.iloc[index * CHUNK : (index + 1) * CHUNK]
        realized = realized_metrics(part["y_pred_proba"].to_numpy(), part["y_true"].to_numpy(), 0.5)
        cells = []
        for metric in CLASSIFIER_METRICS:
            gap = abs(mine.metrics[metric] - other[metric]["value"])
            worst = max(worst, gap)
            cells.append(
                f"{metric} {mine.metrics[metric]:.4f}/{other[metric]['value']:.4f}/{realized[metric]:.4f}"
            )
        print(f"  chunk {index} ours/NannyML/realized: " + ", ".join(cells))
    their_error = 3 * theirs["chunks"][0]["accuracy"]["sampling_error"]
    print(f"  3 SE, accuracy: ours {3 * ours[0].standard_errors['accuracy']:.4f}, NannyML {their_error:.4f}")
    return [
        Result(
            f"CBPE, {ROWS:,} rows in {ROWS // CHUNK} chunks vs NannyML 0.13.1 CBPE "
            f"(largest estimate gap {worst:.1e}, aim <= 0.01)",
            our_seconds,
            theirs["seconds"],
            "s",
            False,
            "<= 0.2 (5x faster)",
        )
    ]
