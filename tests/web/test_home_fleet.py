"""Home's fleet view: each model's card says what needs attention and links to the page that explains it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models import inference
from portal.alerts import store as alert_store
from portal.batch.store import BatchStore
from portal.home import fleet
from portal.monitoring import promotions


def _services(app):
    return app.server.extensions["portal.services"]


def _log_predictions(services, rows: int) -> list[str]:
    record = services.registry.get("churn")
    frame = services.registry.reference("churn", record.version)[record.feature_names].head(rows)
    prediction = inference.predict_uncached(services.registry.load("churn"), frame)
    return services.prediction_log.record_frame(prediction, frame, source="api")


def test_flt001_a_fresh_install_says_nothing_needs_attention_and_why_each_item_is_empty(app) -> None:
    services = _services(app)
    with app.server.app_context():
        cards = {health.name: health for health in fleet.fleet(services)}
    assert set(cards) == set(services.registry.names())
    churn = cards["churn"]
    assert not churn.needs_attention
    assert len(churn.daily) == fleet.SPARKLINE_DAYS and int(churn.daily.sum()) == 0
    assert churn.items["predictions"].headline == "0 predictions in 30 days"
    assert churn.items["drift"].headline == "No logged rows to test"
    assert churn.items["alerts"].headline == "No open alerts"
    assert churn.items["batch"].headline == "No batch yet"
    assert churn.items["challenger"].headline == "No challenger waiting"
    assert churn.items["performance"].headline == "No labelled predictions"
    assert "reference accuracy" in churn.items["performance"].detail


def test_flt002_traffic_alerts_batches_and_a_waiting_challenger_show_with_their_links(app) -> None:
    services = _services(app)
    ids = _log_predictions(services, 40)
    now = dt.datetime.now(dt.UTC)
    record = services.registry.get("churn")
    alert_store.create(
        services.engine,
        "churn-drift",
        "dataset_drift",
        ("churn", record.version),
        "monthly_charges drifted",
        {},
        "/drift?model=churn&window=7d",
        now,
    )
    batches = BatchStore(services.engine, services.settings.data_dir / "batches")
    batches.folder("b" * 32).mkdir(parents=True)
    batches.create("b" * 32, "march.csv", 1000, "churn", "ana")
    batches.start("b" * 32, record.version, 10)
    batches.finish("b" * 32, "failed", "column missing")
    services.registry.add_version(
        "churn",
        services.registry.load("churn").estimator,
        services.registry.reference("churn", record.version),
        dict(record.metadata),
    )
    with app.server.app_context():
        churn = fleet.model_health(services, "churn", now)
    assert int(churn.daily.iloc[-1]) == len(ids) == int(churn.daily.sum())
    assert churn.items["predictions"].headline == "40 predictions in 30 days"
    alerts = churn.items["alerts"]
    assert (alerts.headline, alerts.attention) == ("1 open alert", True)
    assert alerts.detail == "monthly_charges drifted" and alerts.link == "/drift?model=churn&window=7d"
    batch = churn.items["batch"]
    assert batch.headline == "Last batch failed" and "march.csv" in batch.detail and batch.attention
    challenger = churn.items["challenger"]
    assert challenger.headline == f"Challenger v{record.version + 1} waiting"
    assert challenger.link == f"/compare?model=churn&a={record.version}&b={record.version + 1}"
    drift = churn.items["drift"]
    assert drift.link.startswith("/drift?model=churn&window=")
    assert "reference rows" in drift.detail
    assert churn.needs_attention

    promotions.promote(services.registry, services.engine, "churn", record.version + 1, "ana", "page")
    with app.server.app_context():
        promoted = fleet.model_health(services, "churn", now)
    assert promoted.items["version"].headline == f"v{record.version + 1} active"
    assert (
        promoted.items["version"].detail.startswith("promoted ")
        and "by ana" in promoted.items["version"].detail
    )
    assert promoted.items["challenger"].headline == "No challenger waiting"


def test_flt003_an_unreadable_database_marks_its_items_and_keeps_the_card(app, monkeypatch) -> None:
    services = _services(app)

    def down(*_args, **_kwargs):
        raise sa.exc.OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(fleet, "logged_per_day", down)
    monkeypatch.setattr(alert_store, "listed", down)
    with app.server.app_context():
        churn = fleet.model_health(services, "churn", dt.datetime.now(dt.UTC))
    assert churn.items["predictions"].headline == "Predictions unavailable"
    assert churn.items["alerts"].headline == "Alerts unavailable" and churn.items["alerts"].attention
    assert churn.items["challenger"].headline == "No challenger waiting", "other items still read"
    assert int(churn.daily.sum()) == 0 and len(churn.daily) == fleet.SPARKLINE_DAYS


def test_flt004_home_draws_a_card_per_model_with_its_links(client) -> None:
    body = {
        "output": "home-status.children",
        "outputs": {"id": "home-status", "property": "children"},
        "inputs": [{"id": "home-refresh", "property": "n_intervals", "value": 1}],
        "changedPropIds": ["home-refresh.n_intervals"],
    }
    reply = client.post("/_dash-update-component", json=body)
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    hrefs, cards = [], []

    def walk(node) -> None:
        if isinstance(node, dict) and "props" not in node:
            for value in node.values():
                walk(value)
        elif isinstance(node, dict):
            props = node["props"]
            hrefs.append(props.get("href"))
            if "portal-fleet-card" in str(props.get("className", "")):
                cards.append(props["id"]["model"])
            for value in props.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(reply.get_json()["response"])
    assert sorted(cards) == ["churn", "revenue"], "one card per demo model"
    assert "/performance?model=revenue&source=live" in hrefs and "/compare?model=churn" in hrefs
    assert any(str(href).startswith("/drift?model=churn&window=") for href in hrefs)
