"""With Redis as the cache, a stopped or hung Redis never fails or stalls the API, and caching comes back.

Every test runs its own ``redis-server`` on a free loopback port (never the shared one on 6379),
so it can stop, freeze (SIGSTOP) and restart it freely. The portal runs under a real gunicorn
pointed at that Redis; answers are compared with those given while Redis was healthy, each must
arrive well within the socket timeout's bound, and the /metrics cache counters show which path
(hit, miss, error, bypass) the requests took.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from models import caching
from models.cool_down import COOL_DOWN_SECONDS, CoolDown
from models.registry import ModelRegistry
from portal.config import Settings
from tests.conftest import base_env
from tests.support.private_redis import PrivateRedis, RedisUnavailable, private_redis_server
from tests.support.servers import GunicornServer, free_port, start_gunicorn

pytestmark = pytest.mark.redis

FAST_SECONDS = 2.0  # far above the 0.25 s socket timeout, far below a stalled request
ROWS_PER_CALL = 20
CALLS = 3
RESULTS = ("hit", "miss", "error", "bypass")
# Long enough for the cool-down to expire once, so the backend is tried (and fails) twice.
OUTAGE_SECONDS = COOL_DOWN_SECONDS + 1.5
RECOVERY_SECONDS = COOL_DOWN_SECONDS + 15.0


@pytest.fixture()
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    try:
        with private_redis_server(tmp_path / "redis") as server:
            yield server
    except RedisUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture()
def portal(data_dir: Path, private_redis: PrivateRedis) -> Iterator[GunicornServer]:
    """gunicorn with one worker, caching in the private Redis."""
    server = start_gunicorn(
        base_env(data_dir, PORTAL_CACHE_URL=private_redis.url, PORTAL_WORKERS="1", PORTAL_LOG_LEVEL="warning")
    )
    try:
        yield server
    finally:
        server.stop()


def churn_payloads(base_url: str, data_dir: Path) -> list[dict[str, Any]]:
    """A few distinct request bodies built from the churn model's reference rows."""
    detail = requests.get(f"{base_url}/api/v1/models/churn", timeout=10)
    assert detail.status_code == 200, detail.text
    features = [feature["name"] for feature in detail.json()["features"]]
    frame = pd.read_parquet(data_dir / "models/churn/1/reference.parquet")[features]
    payloads = []
    for call in range(CALLS):
        rows = frame.iloc[call * ROWS_PER_CALL : (call + 1) * ROWS_PER_CALL]
        payloads.append({"records": json.loads(rows.to_json(orient="records", date_format="iso"))})
    return payloads


def predict(server: GunicornServer, payload: dict[str, Any]) -> tuple[list[dict[str, Any]], float]:
    """The answers without their random prediction ids, and how long the call took."""
    started = time.monotonic()
    response = requests.post(f"{server.url}/api/v1/models/churn/predict", json=payload, timeout=30)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, f"{response.status_code}: {response.text}\n{server.log()[-3000:]}"
    rows = response.json()["predictions"]
    return [{k: v for k, v in row.items() if k != "prediction_id"} for row in rows], elapsed


def cache_counts(server: GunicornServer) -> dict[str, float]:
    """portal_cache_requests_total for inference, by result, summed over workers."""
    response = requests.get(f"{server.url}/metrics", timeout=10)
    assert response.status_code == 200
    counts = dict.fromkeys(RESULTS, 0.0)
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "portal_cache_requests_total" and sample.labels.get("purpose") == "inference":
                counts[sample.labels["result"]] += sample.value
    return counts


def healthy_baseline(server: GunicornServer, payloads: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Answers with Redis up; asking twice proves the second round really came from Redis."""
    before = cache_counts(server)
    expected = [predict(server, payload)[0] for payload in payloads]
    assert [predict(server, payload)[0] for payload in payloads] == expected
    after = cache_counts(server)
    assert after["miss"] - before["miss"] == len(payloads), after
    assert after["hit"] - before["hit"] == len(payloads), after
    assert after["error"] == before["error"] == 0, after
    return expected


def answer_throughout(
    server: GunicornServer,
    payloads: list[dict[str, Any]],
    expected: list[list[dict[str, Any]]],
    seconds: float,
) -> None:
    """Keep predicting for ``seconds``: every answer must be right, and each well within 2 s."""
    calls = 0
    deadline = time.monotonic() + seconds
    while not calls or time.monotonic() < deadline:
        for payload, want in zip(payloads, expected, strict=True):
            got, elapsed = predict(server, payload)
            assert got == want
            assert elapsed < FAST_SECONDS, f"a prediction took {elapsed:.2f}s during the outage"
            calls += 1
        time.sleep(0.2)


def assert_not_ready_quickly(server: GunicornServer) -> None:
    started = time.monotonic()
    ready = requests.get(f"{server.url}/readyz", timeout=30)
    elapsed = time.monotonic() - started
    assert ready.status_code == 503, ready.text
    assert ready.json()["failing"] == ["cache"]
    assert elapsed < FAST_SECONDS, f"/readyz took {elapsed:.2f}s"


def wait_for_new_hits(
    server: GunicornServer,
    payloads: list[dict[str, Any]],
    expected: list[list[dict[str, Any]]],
) -> None:
    """Predict until /metrics counts new cache hits (the cool-down must lapse first)."""
    start = cache_counts(server)
    deadline = time.monotonic() + RECOVERY_SECONDS
    while time.monotonic() < deadline:
        for payload, want in zip(payloads, expected, strict=True):
            got, elapsed = predict(server, payload)
            assert got == want
            assert elapsed < FAST_SECONDS
        now = cache_counts(server)
        if now["hit"] > start["hit"]:
            return
        time.sleep(0.25)
    pytest.fail(f"no cache hit within {RECOVERY_SECONDS}s after Redis came back: {cache_counts(server)}")


@pytest.mark.gunicorn
@pytest.mark.slow
def test_red001_stopped_redis_answers_correctly_and_fast(
    portal: GunicornServer, private_redis: PrivateRedis, data_dir: Path
) -> None:
    payloads = churn_payloads(portal.url, data_dir)
    expected = healthy_baseline(portal, payloads)
    before = cache_counts(portal)

    private_redis.stop()
    assert not private_redis.answers_ping()
    answer_throughout(portal, payloads, expected, OUTAGE_SECONDS)
    assert_not_ready_quickly(portal)

    after = cache_counts(portal)
    # The backend was tried once, skipped during the cool-down, then tried again after it.
    assert after["error"] - before["error"] >= 2, after
    assert after["bypass"] > before["bypass"], after
    assert after["hit"] == before["hit"], after


@pytest.mark.gunicorn
@pytest.mark.slow
def test_red002_hung_redis_answers_correctly_and_fast_then_hits_resume(
    portal: GunicornServer, private_redis: PrivateRedis, data_dir: Path
) -> None:
    payloads = churn_payloads(portal.url, data_dir)
    expected = healthy_baseline(portal, payloads)
    before = cache_counts(portal)

    private_redis.freeze()
    try:
        answer_throughout(portal, payloads, expected, OUTAGE_SECONDS)
        assert_not_ready_quickly(portal)
    finally:
        private_redis.thaw()
    during = cache_counts(portal)
    assert during["error"] - before["error"] >= 2, during
    assert during["bypass"] > before["bypass"], during

    # The frozen Redis kept its keys, so once the cool-down lapses the answers are hits again.
    wait_for_new_hits(portal, payloads, expected)
    assert requests.get(f"{portal.url}/readyz", timeout=10).status_code == 200


@pytest.mark.gunicorn
@pytest.mark.slow
def test_red003_restarted_redis_serves_hits_again(
    portal: GunicornServer, private_redis: PrivateRedis, data_dir: Path
) -> None:
    payloads = churn_payloads(portal.url, data_dir)
    expected = healthy_baseline(portal, payloads)
    private_redis.stop()
    answer_throughout(portal, payloads, expected, 0.5)
    assert cache_counts(portal)["error"] >= 1

    private_redis.start()  # same port, empty: the first call after the cool-down is a miss
    wait_for_new_hits(portal, payloads, expected)
    assert requests.get(f"{portal.url}/readyz", timeout=10).status_code == 200


def test_red004_unreachable_redis_in_process_api_answers_and_readyz_names_cache(
    make_settings: Callable[..., Settings], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.app import create_app

    # The cool-down is process-wide state; keep this test's outage from leaking into others.
    monkeypatch.setattr(caching, "_cool_down", CoolDown())
    app = create_app(make_settings(PORTAL_CACHE_URL=f"redis://127.0.0.1:{free_port()}/0"))
    client = app.server.test_client()
    features = [f["name"] for f in client.get("/api/v1/models/churn").get_json()["features"]]
    frame = pd.read_parquet(data_dir / "models/churn/1/reference.parquet")[features].head(ROWS_PER_CALL)
    records = json.loads(frame.to_json(orient="records", date_format="iso"))
    errors = caching.CACHE_REQUESTS.labels("inference", "error")._value.get()

    started = time.monotonic()
    response = client.post("/api/v1/models/churn/predict", json={"records": records})
    assert time.monotonic() - started < FAST_SECONDS
    assert response.status_code == 200, response.get_data(as_text=True)
    assert caching.CACHE_REQUESTS.labels("inference", "error")._value.get() == errors + 1
    model = ModelRegistry(data_dir / "models").load("churn").estimator
    got = [row["prediction"] for row in response.get_json()["predictions"]]
    assert got == model.predict(frame).tolist()

    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["failing"] == ["cache"]
    assert "cache unreachable" in body["checks"]["cache"]["detail"]
