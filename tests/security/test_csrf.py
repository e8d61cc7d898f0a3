"""Cross-site form posts to the callback endpoint or the API change nothing: no prediction is logged."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from portal.db.prediction_log import prediction_log
from tests.api.test_predict_api import reference_records

EVIL = "https://evil.example.net"


def _rows(app) -> int:
    services = app.server.extensions["portal.services"]
    services.prediction_log.flush()
    with services.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(prediction_log)).scalar_one()


def _whatif_body(record: dict) -> dict:
    inputs = [
        {"id": {"feature": name, "type": "whatif-field"}, "property": "value", "value": value}
        for name, value in record.items()
    ]
    return {
        "output": "..whatif-result.children...whatif-contributions.figure...whatif-errors.children..",
        "outputs": [
            {"id": "whatif-result", "property": "children"},
            {"id": "whatif-contributions", "property": "figure"},
            {"id": "whatif-errors", "property": "children"},
        ],
        "inputs": [inputs],
        "state": [
            [{"id": i["id"], "property": "id", "value": i["id"]} for i in inputs],
            {"id": "whatif-model", "property": "value", "value": "churn"},
        ],
        "changedPropIds": [],
    }


FORMS = [
    # (content type, headers a browser adds to a cross-site form post)
    ("text/plain", {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}),
    ("application/x-www-form-urlencoded", {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}),
    ("text/plain", {"Origin": EVIL}),  # a browser without Fetch Metadata
    ("text/plain", {"Origin": "null"}),  # a sandboxed frame or a data: page
    ("text/plain", {}),  # no headers at all: the body type alone is refused
]


@pytest.mark.parametrize(("content_type", "headers"), FORMS)
def test_csrf001_cross_site_posts_write_no_prediction(app, data_dir, content_type, headers) -> None:
    record = reference_records(data_dir, "churn", rows=1)[1][0]
    client = app.server.test_client()
    callback = client.post(
        "/_dash-update-component",
        data=json.dumps(_whatif_body(record)),
        content_type=content_type,
        headers=headers,
    )
    api = client.post(
        "/api/v1/models/churn/predict",
        data=json.dumps({"records": [record]}),
        content_type=content_type,
        headers=headers,
    )
    assert callback.status_code in (400, 403), callback.get_data(as_text=True)[:200]
    assert api.status_code in (403, 415)
    assert callback.get_json()["error"]["status"] == callback.status_code
    assert _rows(app) == 0


def test_csrf002_a_cross_site_json_post_is_refused_too(app, data_dir) -> None:
    record = reference_records(data_dir, "churn", rows=1)[1][0]
    reply = app.server.test_client().post(
        "/api/v1/models/churn/predict",
        json={"records": [record]},
        headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
    )
    assert reply.status_code == 403
    assert "cross-site" in reply.get_json()["error"]["message"]
    assert _rows(app) == 0


def test_csrf003_the_same_post_from_the_portal_itself_works(app, data_dir) -> None:
    """The control: the refusals above are about where the post came from, not the post."""
    record = reference_records(data_dir, "churn", rows=1)[1][0]
    reply = app.server.test_client().post(
        "/api/v1/models/churn/predict",
        json={"records": [record]},
        headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
    )
    assert reply.status_code == 200
    assert _rows(app) == 1


def test_csrf004_cross_site_upload_is_refused(app) -> None:
    reply = app.server.test_client().post(
        "/batch/upload?model=churn&filename=a.csv",
        data=b"tenure_months\n1\n",
        content_type="text/plain",
        headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
    )
    assert reply.status_code == 403
