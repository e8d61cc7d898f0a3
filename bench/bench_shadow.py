"""Shadow overhead: live API throughput with a shadow version set, against the same portal without one.

Both are measured on one gunicorn portal, alternating off/on/off/on so machine noise falls on both
sides; the shadow marker is read per request, so no restart is needed between the phases.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import requests
from sklearn.base import clone

from bench.harness import Result, demo_data_dir, portal_env, serve, throughput
from models.registry import ModelRegistry

ROUNDS = 2


def _challenger(registry: ModelRegistry) -> int:
    record = registry.get("churn")
    reference = registry.reference("churn", record.version)
    part = reference.iloc[: len(reference) // 3]
    estimator = clone(registry.load("churn").estimator)
    estimator.fit(part[record.feature_names], part[record.target])
    return registry.add_version("churn", estimator, reference, dict(record.metadata)).version


def _records(registry: ModelRegistry, rows: int) -> list[dict]:
    record = registry.get("churn")
    frame = registry.reference("churn", record.version)[record.feature_names].head(rows)
    return json.loads(pd.DataFrame(frame).to_json(orient="records", date_format="iso"))


def run() -> list[Result]:
    data_dir = Path(tempfile.mkdtemp(prefix="portal-bench-shadow-"))
    shutil.copytree(demo_data_dir(20_000), data_dir, dirs_exist_ok=True)
    registry = ModelRegistry(data_dir / "models")
    version = _challenger(registry)
    records = {1: _records(registry, 1), 100: _records(registry, 100)}
    counter = [0]

    def send(rows: int, url: str) -> Callable[[requests.Session], requests.Response]:
        def post(session: requests.Session) -> requests.Response:
            counter[0] += 1  # a value no request used: the inference cache cannot answer
            varied = [{**r, "monthly_charges": 20.0 + counter[0] % 100_000 / 1000} for r in records[rows]]
            return session.post(url, json={"records": varied}, timeout=60)

        return post

    portal = serve(portal_env(data_dir))
    measured: dict[tuple[int, bool], list[float]] = {}
    try:
        url = portal.url + "/api/v1/models/churn/predict"
        for _ in range(ROUNDS):
            for shadowed in (False, True):
                if shadowed:
                    registry.start_shadow("churn", version)
                else:
                    registry.end_shadow("churn")
                for rows in records:
                    rps, _ = throughput(send(rows, url))
                    measured.setdefault((rows, shadowed), []).append(rps)
    finally:
        registry.end_shadow("churn")
        portal.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return [
        Result(
            f"{rows}-row API predict with a shadow version vs without",
            sum(measured[(rows, True)]) / ROUNDS,
            sum(measured[(rows, False)]) / ROUNDS,
            "req/s",
            True,
            "<= 1.11 (0.9 speed)",
        )
        for rows in records
    ]
