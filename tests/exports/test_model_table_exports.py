"""CSV exports of the Models page tables: same content as the page, formula-safe, bad input as JSON."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from portal.exports.routes import csv_download


def _csv(response) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(response.get_data(as_text=True)), keep_default_na=False)


def test_mtx001_versions_csv_lists_every_version_with_metrics(client, app) -> None:
    response = client.get("/export/models/churn/versions.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="churn-versions.csv"' in response.headers["Content-Disposition"]
    frame = _csv(response)
    registry = app.server.extensions["portal.registry"]
    record = registry.get("churn")
    assert frame["version"].tolist() == [v.version for v in reversed(registry.versions("churn"))]
    assert frame.loc[frame["active"], "version"].tolist() == [record.version]
    assert frame["sha256"].iloc[0] == record.model_sha256
    assert frame["metric_roc_auc"].iloc[0] == pytest.approx(record.metrics["roc_auc"])


def test_mtx002_schema_csv_matches_the_feature_schema(client, app) -> None:
    response = client.get("/export/models/churn/schema.csv?version=1")
    assert response.status_code == 200
    frame = _csv(response)
    record = app.server.extensions["portal.registry"].get("churn", 1)
    assert frame["feature"].tolist() == record.feature_names
    plan = frame.set_index("feature").loc["plan"]
    spec = next(s for s in record.schema if s.name == "plan")
    assert plan["categories"].split(" | ") == [str(c) for c in spec.categories]


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/export/models/nope/versions.csv", 404, "no model named 'nope'"),
        ("/export/models/nope/schema.csv", 404, "no model named 'nope'"),
        ("/export/models/churn/schema.csv?version=abc", 400, "whole number"),
        ("/export/models/churn/schema.csv?version=0", 400, "1 or more"),
        ("/export/models/churn/schema.csv?version=99", 404, "no version 99"),
        ("/export/overview.csv?model=churn&version=-2", 400, "1 or more"),
    ],
)
def test_mtx003_bad_model_or_version_is_a_json_error(client, path: str, status: int, message: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert message in response.get_json()["error"]["message"]


def test_mtx004_table_csv_neutralises_formulas_and_keeps_numbers(app) -> None:
    frame = pd.DataFrame({"category": ['=HYPERLINK("x")', "@SUM(A1)", "plain"], "value": [-3.5, 2.0, 0.0]})
    with app.server.test_request_context():
        body = csv_download(frame, "t.csv").get_data(as_text=True)
    exported = pd.read_csv(io.StringIO(body))
    assert not exported["category"].str.match(r"^[=+\-@\t\r]").any()
    assert exported["value"].tolist() == [-3.5, 2.0, 0.0]


def test_mtx005_models_page_links_both_tables(app) -> None:
    from layouts import model_catalog
    from portal.services import current_services

    with app.server.test_request_context("/models"):
        tree = model_catalog.detail(current_services(), "churn")
    links = {
        c.id: c.href
        for c in tree._traverse()
        if getattr(c, "id", None) in ("models-versions-csv", "models-schema-csv")
    }
    assert links == {
        "models-versions-csv": "/export/models/churn/versions.csv",
        "models-schema-csv": "/export/models/churn/schema.csv?version=1",
    }
