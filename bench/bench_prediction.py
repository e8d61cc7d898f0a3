"""Prediction speed: cached callback, uncached single-row API, 10,000-record API, each vs a baseline."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import joblib
import pandas as pd
import requests

from bench.harness import Result, demo_data_dir, median, portal_env, serve, throughput

SAMPLE_CALLBACK = {
    "output": "models-sample-result.children",
    "outputs": {"id": "models-sample-result", "property": "children"},
    "inputs": [
        {"id": "models-select", "property": "value", "value": "churn"},
        {"id": "models-sample-row", "property": "value", "value": 3},
    ],
    "changedPropIds": ["models-sample-row.value"],
    "state": [],
}


def _records(data_dir: Path, rows: int) -> tuple[pd.DataFrame, list[dict]]:
    version_dir = data_dir / "models" / "churn" / "1"
    features = [f["name"] for f in json.loads((version_dir / "metadata.json").read_text())["features"]]
    reference = pd.read_parquet(version_dir / "reference.parquet")[features]
    frame = reference.sample(rows, replace=rows > len(reference), random_state=0).reset_index(drop=True)
    return frame, json.loads(frame.to_json(orient="records", date_format="iso"))


def _varied(record: dict, counter: list[int]) -> dict:
    """A copy of the record with a value no request has used, so the cache cannot answer it."""
    counter[0] += 1
    return {**record, "monthly_charges": 20.0 + (counter[0] % 100_000) / 1000}


def run() -> list[Result]:
    data_dir = demo_data_dir(20_000)
    model_file = data_dir / "models" / "churn" / "1" / "model.joblib"
    _, one = _records(data_dir, 1)
    big_frame, big = _records(data_dir, 10_000)
    results: list[Result] = []

    portal = serve(portal_env(data_dir))
    try:
        callback_url = portal.url + "/_dash-update-component"
        warm = requests.post(callback_url, json=SAMPLE_CALLBACK, timeout=30)
        warm.raise_for_status()
        payload_file = Path(tempfile.mkstemp(suffix=".json")[1])
        payload_file.write_bytes(warm.content)
        cached_rps, _ = throughput(lambda s: s.post(callback_url, json=SAMPLE_CALLBACK, timeout=30))

        api_url = portal.url + "/api/v1/models/churn/predict"
        counter = [0]
        uncached_rps, _ = throughput(
            lambda s: s.post(api_url, json={"records": [_varied(one[0], counter)]}, timeout=30)
        )
        requests.post(api_url, json={"records": big}, timeout=120).raise_for_status()
        big_api = []
        for i in range(5):
            varied = [{**r, "monthly_charges": r["monthly_charges"] + i + 1e-3} for r in big]
            started = time.perf_counter()
            requests.post(api_url, json={"records": varied}, timeout=120).raise_for_status()
            big_api.append((time.perf_counter() - started) * 1000)
    finally:
        portal.stop()

    env = portal_env(data_dir, BENCH_PAYLOAD_FILE=str(payload_file), BENCH_MODEL_FILE=str(model_file))
    bare = serve(env, app="bench.baseline_app:server")
    try:
        bare_cached_rps, _ = throughput(
            lambda s: s.post(bare.url + "/_dash-update-component", json=SAMPLE_CALLBACK, timeout=30)
        )
        counter = [0]
        bare_predict_rps, _ = throughput(
            lambda s: s.post(bare.url + "/predict", json={"records": [_varied(one[0], counter)]}, timeout=30)
        )
    finally:
        bare.stop()

    model = joblib.load(model_file)
    model.predict_proba(big_frame)
    in_process = []
    for _ in range(5):
        started = time.perf_counter()
        model.predict_proba(big_frame)
        in_process.append((time.perf_counter() - started) * 1000)

    results.append(
        Result(
            "cached single-row prediction callback",
            cached_rps,
            bare_cached_rps,
            "req/s",
            True,
            "<= 1.11 (0.9 speed)",
        )
    )
    results.append(Result("uncached single-row API predict", uncached_rps, bare_predict_rps, "req/s", True))
    results.append(
        Result(
            "10,000-record API predict vs in-process predict",
            median(big_api),
            median(in_process),
            "ms",
            False,
        )
    )
    return results
