"""Run Evidently's data drift preset on two Parquet files and print timing and verdicts as JSON.

This runs in its own virtualenv (``.venv-evidently``): Evidently pins plotly<6, which the
portal cannot share, so it is never a runtime dependency.
"""

from __future__ import annotations

import json
import sys
import time

import pandas as pd


def main(reference_path: str, current_path: str, numeric: str, categorical: str) -> None:
    from evidently.legacy.metric_preset import DataDriftPreset
    from evidently.legacy.pipeline.column_mapping import ColumnMapping
    from evidently.legacy.report import Report

    reference = pd.read_parquet(reference_path)
    current = pd.read_parquet(current_path)
    mapping = ColumnMapping(
        numerical_features=numeric.split(","),
        categorical_features=categorical.split(","),
        target=None,
        prediction=None,
    )
    started = time.perf_counter()
    report = Report(metrics=[DataDriftPreset()])
    report.run(reference_data=reference, current_data=current, column_mapping=mapping)
    result = report.as_dict()
    seconds = time.perf_counter() - started
    table = next(m["result"] for m in result["metrics"] if "drift_by_columns" in m["result"])
    verdicts = {
        name: {
            "drifted": column["drift_detected"],
            "test": column["stattest_name"],
            "score": column["drift_score"],
        }
        for name, column in table["drift_by_columns"].items()
    }
    json.dump({"seconds": seconds, "dataset_drift": table["dataset_drift"], "columns": verdicts}, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:5])
