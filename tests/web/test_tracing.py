"""OpenTelemetry traces: off by default; with a provider, requests, callbacks, predictions, batch
chunks, SQL, Redis and report renders are spans. Each case runs in its own process, so the tracer
provider (process-wide by design) never leaks into other tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import base_env
from tests.support.servers import PROJECT_ROOT

RECORD_SPANS = r"""
import io, json, sys
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)

import pandas as pd
from portal.app import create_app
from portal.batch.jobs import score_batch, validate_upload

app = create_app()
services = app.server.extensions["portal.services"]
client = app.server.test_client()
record = json.loads(sys.argv[1])
assert client.post("/api/v1/models/churn/predict", json={"records": [record]}).status_code == 200
services.prediction_log.flush()
body = {
    "output": "..overview-kpis.children...overview-distribution.figure...overview-over-time.figure..",
    "outputs": [{"id": "overview-kpis", "property": "children"},
                {"id": "overview-distribution", "property": "figure"},
                {"id": "overview-over-time", "property": "figure"}],
    "inputs": [{"id": "overview-model", "property": "value", "value": "churn"},
               {"id": "overview-version", "property": "value", "value": None}],
    "state": [], "changedPropIds": ["overview-model.value"],
}
assert client.post("/_dash-update-component", json=body).status_code == 200
frame = pd.DataFrame([record] * 30)
reply = client.post("/batch/upload?model=churn&filename=b.csv", data=frame.to_csv(index=False).encode(),
                    content_type="application/octet-stream")
batch_id = reply.get_json()["batch_id"]
assert validate_upload(services, batch_id, lambda *_: None).ok
assert score_batch(services, batch_id, lambda *_: None).ok
services.prediction_log.stop()
spans = [
    {"name": s.name, "attributes": {k: v for k, v in (s.attributes or {}).items()},
     "trace": s.context.trace_id, "parent": s.parent.span_id if s.parent else None, "id": s.context.span_id}
    for s in exporter.get_finished_spans()
]
print(json.dumps(spans, default=str))
"""


def _run(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _record(data_dir) -> str:
    """A record no other test has sent, so the prediction is computed here and not read from Redis."""
    import random

    from tests.api.test_predict_api import reference_records

    record = reference_records(data_dir, "churn", rows=1)[1][0]
    record["monthly_charges"] = round(float(record["monthly_charges"]) + random.random() / 100, 6)
    return json.dumps(record)


def test_trc001_with_a_provider_every_layer_is_a_span(data_dir) -> None:
    extra = {}
    redis_url = os.environ.get("PORTAL_TEST_REDIS_URL")
    if redis_url:
        extra["PORTAL_CACHE_URL"] = redis_url
    result = _run(RECORD_SPANS, base_env(data_dir, **extra), _record(data_dir))
    assert result.returncode == 0, result.stderr[-3000:]
    spans = json.loads(result.stdout.strip().splitlines()[-1])
    names = [span["name"] for span in spans]
    by_id = {span["id"]: span for span in spans}

    request = next(s for s in spans if s["name"] == "POST /api/v1/models/<name>/predict")
    predict = next(s for s in spans if s["name"] == "predict")
    assert predict["parent"] == request["id"], "the prediction is inside its request's trace"
    assert predict["attributes"] == {
        "model.name": "churn",
        "model.version": 1,
        "predict.rows": 1,
        "cache.hit": False,
    }
    assert any(s["name"].lower().startswith("insert") for s in spans), "the prediction log's SQL is traced"
    callback = next(s for s in spans if s["name"].startswith("dash callback "))
    assert callback["attributes"]["dash.callback.output"].startswith("..overview-kpis.children")
    chunk = next(s for s in spans if s["name"] == "batch chunk")
    assert chunk["attributes"]["batch.rows"] == 30
    if redis_url:
        cache_calls = [s for s in spans if s["attributes"].get("db.system") == "redis"]
        assert cache_calls and any(by_id.get(s["parent"]) for s in cache_calls), names


def test_trc002_tracing_is_off_by_default_and_refuses_an_unknown_exporter(data_dir) -> None:
    code = (
        "from portal.app import create_app\nfrom portal.web.tracing import enabled\n"
        "app = create_app()\nprint('ENABLED' if enabled() else 'OFF')\n"
    )
    off = _run(code, base_env(data_dir))
    assert off.returncode == 0, off.stderr[-2000:]
    assert off.stdout.strip().splitlines()[-1] == "OFF"
    on = _run(code, base_env(data_dir, OTEL_TRACES_EXPORTER="console", OTEL_SERVICE_NAME="portal-test"))
    assert "ENABLED" in on.stdout.splitlines()
    typo = _run(code, base_env(data_dir, OTEL_TRACES_EXPORTER="jaegre"))
    assert typo.returncode != 0
    assert "OTEL_TRACES_EXPORTER='jaegre' is not supported" in typo.stderr
