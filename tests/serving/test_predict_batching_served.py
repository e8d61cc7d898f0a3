"""On real gunicorn, concurrent API predictions share model calls and each gets its own rows, logged once."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import joblib
import numpy as np
import pytest
import requests
import sqlalchemy as sa

from tests.api.test_predict_api import reference_records
from tests.conftest import base_env
from tests.support.servers import start_gunicorn

pytestmark = [pytest.mark.gunicorn, pytest.mark.slow]

CLIENTS = 8
BURSTS = 3


def _metric(text: str, name: str) -> float:
    found = re.findall(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+]+)$", text, flags=re.MULTILINE)
    return sum(float(v) for v in found)


def test_pbs001_concurrent_requests_share_calls_and_get_their_own_rows(data_dir: Path) -> None:
    frame, records = reference_records(data_dir, "churn", rows=CLIENTS * BURSTS)
    model = joblib.load(data_dir / "models" / "churn" / "1" / "model.joblib")
    expected = model.predict_proba(frame)
    server = start_gunicorn(base_env(data_dir, PORTAL_WORKERS="1"))
    answers: dict[int, dict] = {}
    failures: list[str] = []
    try:
        url = server.url + "/api/v1/models/churn/predict"
        for burst in range(BURSTS):
            barrier = threading.Barrier(CLIENTS)

            def send(row: int, barrier: threading.Barrier = barrier) -> None:
                barrier.wait(30)
                response = requests.post(url, json={"records": [records[row]]}, timeout=60)
                if response.status_code != 200:
                    failures.append(f"{response.status_code}: {response.text[:200]}")
                else:
                    answers[row] = response.json()

            threads = [
                threading.Thread(target=send, args=(burst * CLIENTS + i,)) for i in range(CLIENTS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
        metrics = requests.get(server.url + "/metrics", timeout=10).text
    finally:
        server.stop()
    assert not failures
    assert sorted(answers) == list(range(CLIENTS * BURSTS))
    for row, body in answers.items():
        (prediction,) = body["predictions"]
        got = [prediction["probabilities"][str(c)] for c in model.classes_]
        np.testing.assert_allclose(got, expected[row], atol=1e-6)
        assert prediction["prediction"] == model.classes_[int(np.argmax(expected[row]))]
    requests_scored = _metric(metrics, "portal_predict_batch_requests_sum")
    calls = _metric(metrics, "portal_predict_batch_requests_count")
    assert requests_scored == CLIENTS * BURSTS
    assert calls < requests_scored, "concurrent requests in one worker share model calls"
    ids = [body["predictions"][0]["prediction_id"] for body in answers.values()]
    engine = sa.create_engine(f"sqlite:///{data_dir / 'portal.db'}")
    with engine.connect() as connection:
        logged = connection.execute(
            sa.text("SELECT prediction_id, count(*) FROM prediction_log WHERE source = 'api' GROUP BY 1")
        ).all()
    engine.dispose()
    assert dict(logged) == dict.fromkeys(ids, 1), "every answered prediction is logged exactly once"
