"""Shadow deployment: every live prediction is scored by the shadow version too, off the request path."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sklearn.base import clone

from models.registry import RegistryError
from portal.cli import main
from portal.db.shadow import shadow_predictions
from portal.monitoring import promotions
from portal.shadow import control, scorer
from tests.api.test_predict_api import reference_records
from tests.loop.helpers import services_of


def add_challenger(services, name: str = "churn") -> int:
    """Register v2: v1's pipeline refitted on a third of the reference, so some answers differ."""
    record = services.registry.get(name)
    reference = services.registry.reference(name, record.version)
    part = reference.iloc[: len(reference) // 3]
    estimator = clone(services.registry.load(name).estimator)
    estimator.fit(part[record.feature_names], part[record.target])
    return services.registry.add_version(name, estimator, reference, dict(record.metadata)).version


def shadow_rows(services) -> list[sa.Row]:
    with services.engine.connect() as connection:
        return connection.execute(
            sa.select(shadow_predictions).order_by(shadow_predictions.c.prediction_id)
        ).all()


def test_shd001_each_live_api_prediction_gets_one_shadow_row_with_the_shadow_versions_answer(
    app, client, data_dir
) -> None:
    services = services_of(app)
    version = add_challenger(services)
    control.start(services.registry, services.engine, "churn", version, "ada")
    frame, records = reference_records(data_dir, "churn", rows=40)
    response = client.post("/api/v1/models/churn/predict", json={"records": records})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == 1, "the caller gets the live answer, never the shadow's"
    assert services.shadow.drain(30)
    rows = shadow_rows(services)
    live_ids = sorted(p["prediction_id"] for p in body["predictions"])
    assert [row.prediction_id for row in rows] == live_ids
    expected = services.registry.load("churn", version).estimator.predict(frame)
    by_id = {p["prediction_id"]: (i, p) for i, p in enumerate(body["predictions"])}
    for row in rows:
        index, live = by_id[row.prediction_id]
        assert (row.live_version, row.shadow_version) == (1, version)
        assert row.shadow_prediction == str(int(expected[index]))
        assert row.live_prediction == str(live["prediction"])
        assert row.changed == (int(expected[index]) != live["prediction"])
        assert row.live_score == pytest.approx(live["probabilities"]["1"])


def test_shd002_a_full_queue_drops_and_counts_rows_without_slowing_or_failing_the_live_request(
    app, client, data_dir, monkeypatch
) -> None:
    services = services_of(app)
    control.start(services.registry, services.engine, "churn", add_challenger(services), "ada")
    release = threading.Event()
    real = services.shadow._score_group

    def stuck(name, version, group):  # a shadow version that hangs
        release.wait(60)
        return real(name, version, group)

    monkeypatch.setattr(services.shadow, "_score_group", stuck)
    monkeypatch.setattr(services.shadow, "capacity", 10)
    _, records = reference_records(data_dir, "churn", rows=8)
    dropped_before = scorer.DROPPED._value.get()
    started = time.monotonic()
    answers = [client.post("/api/v1/models/churn/predict", json={"records": records}) for _ in range(3)]
    elapsed = time.monotonic() - started
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert elapsed < 30, "live requests waited for the stuck shadow version"
    assert scorer.DROPPED._value.get() - dropped_before == 16, "8 rows queued, the next two requests dropped"
    release.set()
    assert services.shadow.drain(30)
    assert len(shadow_rows(services)) == 8


def test_shd003_promoting_the_shadow_version_ends_shadowing(app, client, data_dir) -> None:
    services = services_of(app)
    version = add_challenger(services)
    control.start(services.registry, services.engine, "churn", version, "ada")
    promotions.promote(services.registry, services.engine, "churn", version, "ada", "page")
    assert services.registry.shadow_version("churn") is None
    _, records = reference_records(data_dir, "churn", rows=5)
    assert (
        client.post("/api/v1/models/churn/predict", json={"records": records}).get_json()["version"]
        == version
    )
    assert services.shadow.drain(10) and shadow_rows(services) == []


def test_shd004_bad_shadow_requests_are_refused_with_the_reason(app) -> None:
    services = services_of(app)
    registry, engine = services.registry, services.engine
    with pytest.raises(RegistryError, match="v1 is the active version; shadow another version"):
        control.start(registry, engine, "churn", 1, "ada")
    with pytest.raises(RegistryError, match="model 'churn' has no version 7"):
        control.start(registry, engine, "churn", 7, "ada")
    with pytest.raises(RegistryError, match="no model named 'nosuch'"):
        control.start(registry, engine, "nosuch", 2, "ada")
    assert registry.shadow_version("churn") is None, "nothing was half-set"


def test_shd005_the_cli_shadows_lists_and_stops_and_refuses_bad_arguments(
    app, data_dir, monkeypatch, capsys
) -> None:
    for name in ("PORTAL_DATABASE_URL", "PORTAL_MODEL_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(data_dir))
    version = add_challenger(services_of(app))
    assert main(["models", "shadow", "churn"]) == 2
    assert "give either a VERSION to shadow or --off" in capsys.readouterr().err
    assert main(["models", "shadow", "churn", "1"]) == 2
    assert "v1 is the active version" in capsys.readouterr().err
    assert main(["models", "shadow", "churn", str(version)]) == 0
    assert f"churn v{version} now scores every live prediction in the shadow of v1" in capsys.readouterr().out
    assert main(["models", "list"]) == 0
    assert any(
        line.split()[:3] == ["churn", str(version), "shadow"] for line in capsys.readouterr().out.splitlines()
    )
    assert main(["models", "shadow", "churn", "--off"]) == 0
    assert f"churn: shadowing of v{version} ended" in capsys.readouterr().out


def test_shd006_the_scorer_stores_on_postgresql_and_a_repeated_offer_adds_nothing(
    app, data_dir, postgres_database_url
) -> None:
    from models import inference
    from portal.db.engine import create_engine
    from portal.db.migrate import upgrade

    services = services_of(app)
    control.start(services.registry, services.engine, "churn", add_challenger(services), "ada")
    engine = create_engine(postgres_database_url)
    upgrade(engine)
    shadow = scorer.ShadowScorer(services.registry, engine, capacity=100)
    frame, _ = reference_records(data_dir, "churn", rows=3)
    result = inference.predict(services.registry, services.inference_cache, "churn", frame, 1)
    ids = [f"{i:032x}" for i in range(3)]
    assert shadow.offer(result, frame, ids) and shadow.offer(result, frame, ids)
    assert shadow.drain(30)
    with engine.connect() as connection:
        stored = connection.execute(
            sa.select(shadow_predictions.c.prediction_id, shadow_predictions.c.changed)
        ).all()
    engine.dispose()
    assert sorted(row.prediction_id for row in stored) == ids
    assert all(isinstance(row.changed, bool) for row in stored)
