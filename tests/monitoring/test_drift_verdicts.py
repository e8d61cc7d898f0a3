"""One minimum sample for every consumer: the Drift page, its CSV, the REST answer and alert rules."""

from __future__ import annotations

import datetime as dt
import io
import json

import pandas as pd
import plotly
import pytest

from layouts import drift as drift_layout
from portal.alerts.check import check_rule
from portal.alerts.rules import AlertRule
from portal.monitoring import drift as drift_service
from portal.predlog.demo_history import backfill
from tests.alerts.helpers import log_at, reference_rows, services_of, shifted

NOT_ENOUGH = "Not enough data: 2 rows, needs 100"
JUDGED_NOTHING = {"not enough data", "no data"}


@pytest.fixture()
def two_shifted_rows(app):
    """Two predictions an hour ago, every input far off the reference: drift, were it judged."""
    services = services_of(app)
    record = services.registry.get("churn")
    log_at(app, shifted(reference_rows(app, 2), record), dt.datetime.now(dt.UTC))
    return services


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder)


def test_dvd001_two_rows_are_not_enough_data_everywhere(app, client, two_shifted_rows) -> None:
    services = two_shifted_rows
    record = services.registry.get("churn")
    with app.server.app_context():
        view = drift_service.drift_view(services, record, drift_service.window_spec("churn", None, "7d"))
    assert view.window_rows == 2 and not view.result.drifted
    page = _text(drift_layout.kpis(view, view.result))
    assert NOT_ENOUGH in page and "Drift detected" not in page
    assert f"2 logged rows against {view.reference_rows:,} reference rows" in page
    # A feature missing in both rows has "no data"; none is drifted or stable.
    assert {row["status"] for row in drift_layout.table_rows(view)} <= JUDGED_NOTHING

    reply = client.get("/export/drift.csv?model=churn&window=7d")
    assert reply.status_code == 200
    table = pd.read_csv(io.StringIO(reply.get_data(as_text=True)))
    assert "not enough data" in set(table["status"]) and set(table["status"]) <= JUDGED_NOTHING
    assert not table["drifted"].any()
    assert set(table["current_rows"]) <= {0, 1, 2}

    answer = client.get("/api/v1/models/churn/drift?window=7d")
    assert answer.status_code == 200
    document = answer.get_json()
    assert document["verdict"]["status"] == "not enough data" and document["verdict"]["text"] == NOT_ENOUGH
    assert document["verdict"]["drifted"] is False and document["verdict"]["drifted_share"] is None
    assert document["rows"] == {
        "logged": 2,
        "compared": 2,
        "reference": view.reference_rows,
        "sampled": False,
        "min_rows": 100,
    }
    assert {f["status"] for f in document["features"]} <= JUDGED_NOTHING

    # A rule asking for fewer rows than the model's minimum still follows the model's rule.
    rule = AlertRule("churn-drift", "Churn drift", "churn", window_days=7, min_rows=1, dataset_drift=True)
    outcome = check_rule(services.settings, services.engine, services.registry, rule)
    assert outcome.ok and [f.firing for f in outcome.findings] == [None]
    assert NOT_ENOUGH in outcome.findings[0].summary


def test_dvd002_the_minimum_is_configured_per_model(make_settings) -> None:
    from portal.app import create_app

    lenient = create_app(make_settings(PORTAL_DRIFT_THRESHOLDS='{"churn": {"min_rows": 2}}'))
    services = services_of(lenient)
    record = services.registry.get("churn")
    log_at(lenient, shifted(reference_rows(lenient, 2), record), dt.datetime.now(dt.UTC))
    answer = lenient.server.test_client().get("/api/v1/models/churn/drift?window=7d").get_json()
    assert answer["verdict"]["status"] == "drifted" and answer["verdict"]["text"] == "Drift detected"
    assert answer["thresholds"]["min_rows"] == 2


def test_dvd003_the_page_opens_on_the_most_recent_window_with_enough_rows(app) -> None:
    services = services_of(app)
    # The demo history as `portal demo` logs it, ending yesterday: at the tests' demo size the last
    # 7 days hold fewer than 100 rows, the last 30 days several hundred.
    backfill(services.registry, services.prediction_log, "churn", months=6)
    with app.server.app_context():
        options = drift_service.window_options(services, "churn")
        opened = drift_service.choose_window(services, "churn", options)
        week = drift_service.window_rows(services, drift_service.window_spec("churn", None, "7d"))
        month = drift_service.window_rows(services, drift_service.window_spec("churn", None, "30d"))
    assert 0 < week < 100 <= month
    assert opened.value == "30d"
    assert opened.note == (
        f"Opened on Last 30 days ({month:,} logged rows), the most recent window with the 100 rows "
        f"drift needs: Last 7 days has {week:,}."
    )
    with app.server.app_context():
        page = _text(drift_layout.layout(services, model="churn"))
    assert opened.note in page


def test_dvd004_no_window_with_enough_rows_is_said_too(app, two_shifted_rows) -> None:
    with app.server.app_context():
        options = drift_service.window_options(two_shifted_rows, "churn")
        opened = drift_service.choose_window(two_shifted_rows, "churn", options)
    assert opened == drift_service.DefaultWindow(
        "7d", "No window has the 100 logged rows drift needs; opened on Last 7 days (2 rows)."
    )


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("window=1y", 400, "unknown window '1y'"),
        ("window=month:2026-13", 400, "is not YYYY-MM"),
        ("window=7d&window=30d", 400, "'window' is given 2 times"),
        ("version=", 400, "'version' must be a positive integer"),
        ("version=0", 400, "'version' must be a positive integer"),
        ("version=x1", 400, "'version' must be a positive integer"),
        ("version=99", 404, "version"),
    ],
)
def test_dvd005_bad_drift_queries_say_why(client, query: str, status: int, message: str) -> None:
    reply = client.get(f"/api/v1/models/churn/drift?{query}")
    assert reply.status_code == status
    assert message in reply.get_json()["error"]["message"]


def test_dvd006_unknown_model_is_404_and_the_endpoint_is_documented_for_viewers(client) -> None:
    reply = client.get("/api/v1/models/nope/drift?window=7d")
    assert reply.status_code == 404 and "nope" in reply.get_json()["error"]["message"]
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/models/{name}/drift"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"name", "window", "version"}
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])


def test_dvd007_an_empty_window_answers_without_a_verdict(client) -> None:
    document = client.get("/api/v1/models/churn/drift?window=month:2001-01").get_json()
    assert document["rows"]["logged"] == 0
    assert document["verdict"]["text"] == "No logged predictions in this window"
    assert document["verdict"]["status"] == "not enough data"


def test_dvd008_a_default_window_is_chosen_when_none_is_asked(client, two_shifted_rows) -> None:
    document = client.get("/api/v1/models/churn/drift").get_json()
    assert document["window"] == "7d" and "No window has the 100 logged rows" in document["window_note"]
