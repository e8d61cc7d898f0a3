"""The Performance page's live source shows the estimated series: dashed, banded, beside realized."""

from __future__ import annotations

import pandas as pd

from layouts import performance_live
from portal import ids
from tests.support.dash_requests import outputs_of

PANEL_KEY = (
    f"..{ids.PERF_EST_METRIC}.options...{ids.PERF_EST_METRIC}.value..."
    f"{ids.PERF_EST_NOTE}.children...{ids.PERF_EST_TREND}.figure.."
)


def _panel(client, model: str, metric: str | None = None, source: str = "live") -> list:
    values = {
        ids.PERF_MODEL: model,
        ids.PERF_VERSION: None,
        ids.PERF_SOURCE: source,
        ids.PERF_LIVE_PERIOD: "week",
        ids.PERF_EST_METRIC: metric,
    }
    body = {
        "output": PANEL_KEY,
        "outputs": outputs_of(PANEL_KEY),
        "inputs": [{"id": key, "property": "value", "value": value} for key, value in values.items()],
        "changedPropIds": [f"{ids.PERF_SOURCE}.value"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def test_esp001_live_source_draws_estimated_dashed_with_band_and_realized(history_app) -> None:
    answer = _panel(history_app.server.test_client(), "churn")
    metric = answer[ids.PERF_EST_METRIC]
    assert [o["value"] for o in metric["options"]] == ["accuracy", "precision", "recall", "f1", "roc_auc"]
    assert metric["value"] == "accuracy"
    note = str(answer[ids.PERF_EST_NOTE]["children"])
    assert "rows" in note and "labelled" in note and "concept shift" in note
    traces = answer[ids.PERF_EST_TREND]["figure"]["data"]
    names = [trace["name"] for trace in traces]
    assert names == ["±3 SE", "estimated accuracy", "realized accuracy"]
    assert traces[1]["line"]["dash"] == "dash" and traces[0]["fill"] == "toself"
    assert "rows" in traces[1]["text"][0] and "labelled" in traces[1]["text"][0]


def test_esp002_regressor_offers_errors_and_other_sources_leave_the_panel(history_app) -> None:
    client = history_app.server.test_client()
    answer = _panel(client, "revenue", metric="rmse")
    assert answer[ids.PERF_EST_METRIC]["value"] == "rmse"
    assert answer[ids.PERF_EST_TREND]["figure"]["data"][1]["name"] == "estimated RMSE"
    quiet = _panel(client, "churn", source="reference")
    assert ids.PERF_EST_TREND not in quiet


def test_esp003_figure_and_note_from_a_table() -> None:
    table = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-01-05", "2026-01-12"]),
            "rows": [40, 500],
            "labels": [0, 10],
            "estimated_accuracy": [None, 0.8],
            "lower_accuracy": [None, 0.75],
            "upper_accuracy": [None, 0.85],
            "realized_accuracy": [None, None],
        }
    )
    figure = performance_live.estimated_figure(table, "accuracy", "week")
    assert [t.name for t in figure.data] == ["±3 SE", "estimated accuracy"]
    assert list(figure.data[0].y) == [0.85, 0.75]
    note = str(performance_live.estimated_note(table, "week", True, "", 100))
    assert "500 rows, 10 labelled" in note and "No estimate for 1 week(s) with fewer than 100 rows" in note
    unavailable = str(performance_live.estimated_note(table, "week", None, "3 classes", 100))
    assert "No estimate: 3 classes" in unavailable
