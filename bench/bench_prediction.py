"""Prediction speed: cached callback, uncached 1- and 1,000-row API, 10,000-record API, each vs a baseline.

Baselines: a bare Flask route (same gunicorn settings), a bare async FastAPI endpoint under uvicorn
(standard extras, 2 workers, native threads capped, in ``.venv-fastapi``), and in-process
``predict_proba`` plus JSON encoding.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import joblib
import pandas as pd
import requests

from bench.harness import ROOT, Result, demo_data_dir, median, paired_throughput, portal_env, serve
from portal.threads import THREAD_ENV_VARS
from tests.support.servers import free_port

FASTAPI_PYTHON = ROOT / ".venv-fastapi" / "bin" / "python"

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


@contextmanager
def fastapi_server(model_file: Path) -> Iterator[str | None]:
    """uvicorn serving bench/fastapi_app.py with 2 workers; None when ``.venv-fastapi`` is missing."""
    if not FASTAPI_PYTHON.exists():
        print(f"skipped the FastAPI baseline: {FASTAPI_PYTHON} is missing; `make bench` creates it")
        yield None
        return
    port = free_port()
    env = {**os.environ, "BENCH_MODEL_FILE": str(model_file), "PYTHONPATH": str(ROOT)}
    env.update(dict.fromkeys(THREAD_ENV_VARS, "1"))
    process = subprocess.Popen(
        [
            str(FASTAPI_PYTHON),
            "-m",
            "uvicorn",
            "bench.fastapi_app:app",
            "--workers",
            "2",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def _varied_batch(records: list[dict], counter: list[int]) -> list[dict]:
    counter[0] += 1
    return [{**r, "monthly_charges": r["monthly_charges"] + counter[0] * 1e-3} for r in records]


def run() -> list[Result]:
    data_dir = demo_data_dir(20_000)
    model_file = data_dir / "models" / "churn" / "1" / "model.joblib"
    _, one = _records(data_dir, 1)
    _, thousand = _records(data_dir, 1000)
    big_frame, big = _records(data_dir, 10_000)
    results: list[Result] = []

    def one_row(url: str, counter: list[int]) -> Callable[[requests.Session], requests.Response]:
        return lambda s: s.post(url, json={"records": [_varied(one[0], counter)]}, timeout=30)

    def rows_1000(url: str, counter: list[int]) -> Callable[[requests.Session], requests.Response]:
        return lambda s: s.post(url, json={"records": _varied_batch(thousand, counter)}, timeout=60)

    model = joblib.load(model_file)
    model.predict_proba(big_frame)

    def in_process_ms(round_: int) -> float:
        varied = [{**r, "monthly_charges": r["monthly_charges"] + round_ + 1e-3} for r in big]
        started = time.perf_counter()
        frame = pd.DataFrame.from_records(varied)
        json.dumps({"predictions": model.predict_proba(frame).tolist()})
        return (time.perf_counter() - started) * 1000

    # Every server is up at once, and each portal figure is measured in slices alternating with its
    # baseline's (bench.harness.paired_throughput), so load drifting on a shared machine hits both.
    with ExitStack() as servers:
        portal = serve(portal_env(data_dir))
        servers.callback(portal.stop)
        callback_url = portal.url + "/_dash-update-component"
        warm = requests.post(callback_url, json=SAMPLE_CALLBACK, timeout=30)
        warm.raise_for_status()
        payload_file = Path(tempfile.mkstemp(suffix=".json")[1])
        payload_file.write_bytes(warm.content)
        env = portal_env(data_dir, BENCH_PAYLOAD_FILE=str(payload_file), BENCH_MODEL_FILE=str(model_file))
        bare = serve(env, app="bench.baseline_app:server")
        servers.callback(bare.stop)
        fastapi_url = servers.enter_context(fastapi_server(model_file))

        cached_rps, bare_cached_rps = paired_throughput(
            lambda s: s.post(callback_url, json=SAMPLE_CALLBACK, timeout=30),
            lambda s: s.post(bare.url + "/_dash-update-component", json=SAMPLE_CALLBACK, timeout=30),
        )
        api_url = portal.url + "/api/v1/models/churn/predict"
        uncached_rps, bare_predict_rps = paired_throughput(
            one_row(api_url, [0]), one_row(bare.url + "/predict", [0])
        )
        if fastapi_url is not None:
            fastapi_pair_rps, fastapi_one_rps = paired_throughput(
                one_row(api_url, [10_000]), one_row(fastapi_url + "/predict", [0])
            )
            thousand_rps, fastapi_thousand_rps = paired_throughput(
                rows_1000(api_url, [0]), rows_1000(fastapi_url + "/predict", [0])
            )
        requests.post(api_url, json={"records": big}, timeout=120).raise_for_status()
        big_api, in_process = [], []
        for i in range(5):
            varied = [{**r, "monthly_charges": r["monthly_charges"] + i + 1e-3} for r in big]
            # The client's own JSON encoding is not the portal's cost: the body is encoded first.
            body = json.dumps({"records": varied}).encode()
            started = time.perf_counter()
            requests.post(
                api_url, data=body, headers={"Content-Type": "application/json"}, timeout=120
            ).raise_for_status()
            big_api.append((time.perf_counter() - started) * 1000)
            in_process.append(in_process_ms(i))

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
    results.append(
        Result("uncached single-row API predict vs bare Flask", uncached_rps, bare_predict_rps, "req/s", True)
    )
    if fastapi_url is not None:
        results.append(
            Result(
                "uncached single-row API predict vs bare FastAPI",
                fastapi_pair_rps,
                fastapi_one_rps,
                "req/s",
                True,
                "<= 1.0",
            )
        )
        results.append(
            Result(
                "uncached 1,000-row API predict vs bare FastAPI",
                thousand_rps,
                fastapi_thousand_rps,
                "req/s",
                True,
                "<= 1.0",
            )
        )
    results.append(
        Result(
            "10,000-record API predict vs in-process predict_proba + JSON",
            median(big_api),
            median(in_process),
            "ms",
            False,
            "<= 1.5",
        )
    )
    return results
