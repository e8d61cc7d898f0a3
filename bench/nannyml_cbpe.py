"""Run NannyML's CBPE on two Parquet files and print its timing and per-chunk estimates as JSON.

This runs in its own virtualenv (``.venv-nannyml``): NannyML pins its own pandas and scikit-learn
ranges, so it is never a runtime dependency of the portal.
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd

METRICS = ["accuracy", "precision", "recall", "f1", "roc_auc"]


def main(reference_path: str, analysis_path: str, chunk_size: str) -> None:
    import nannyml

    reference = pd.read_parquet(reference_path)
    analysis = pd.read_parquet(analysis_path, columns=["y_pred_proba", "y_pred"])
    started = time.perf_counter()
    estimator = nannyml.CBPE(
        y_pred_proba="y_pred_proba",
        y_pred="y_pred",
        y_true="y_true",
        problem_type="classification_binary",
        metrics=METRICS,
        chunk_size=int(chunk_size),
    )
    estimator.fit(reference)
    table = estimator.estimate(analysis).filter(period="analysis").to_df()
    seconds = time.perf_counter() - started
    chunks = []
    for _, row in table.iterrows():
        chunks.append(
            {
                metric: {
                    "value": float(row[(metric, "value")]),
                    "sampling_error": float(row[(metric, "sampling_error")]),
                }
                for metric in METRICS
            }
        )
    json.dump({"seconds": seconds, "chunks": chunks}, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:4])
