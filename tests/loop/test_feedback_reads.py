"""The Feedback and live Performance reads aggregate in SQL, yet show what the whole log says.

Each number is checked against a naive reading: every logged row and every feedback row loaded
into pandas and joined there, as the pages did before the database did the work.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from models import grid_query, live
from portal.feedback import rows
from portal.feedback.labelled import Coverage, coverage, labelled_window
from portal.feedback.rows import feedback_page
from portal.feedback.store import FeedbackItem
from portal.predlog.windows import WindowSpec
from tests.loop.helpers import log_predictions, services_of


def _naive(engine: sa.Engine, model: str) -> pd.DataFrame:
    """Every logged row of ``model`` with its newest feedback, joined in pandas."""
    logged = pd.read_sql(
        sa.text("SELECT * FROM prediction_log WHERE model_name = :m").bindparams(m=model), engine
    )
    given = pd.read_sql(sa.text("SELECT * FROM feedback ORDER BY feedback_id"), engine)
    newest = given.groupby("prediction_id").tail(1).set_index("prediction_id")
    frame = logged.join(newest[["outcome", "verdict", "user_name"]].add_prefix("fb_"), on="prediction_id")
    frame["prediction"] = [str(json.loads(text)["prediction"]) for text in frame["output"]]
    frame["outcome"] = [str(json.loads(t)) if isinstance(t, str) else None for t in frame["fb_outcome"]]
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


@pytest.fixture
def labelled_log(app):
    """60 logged predictions: 25 with verdicts (5 later corrected), 10 with outcomes, 25 without feedback."""
    services = services_of(app)
    ids, _, _, actual = log_predictions(app, rows=60)
    store = services.feedback
    store.submit("churn", [FeedbackItem(pid, verdict="correct") for pid in ids[:25]], "page")
    store.submit("churn", [FeedbackItem(pid, verdict="incorrect") for pid in ids[:5]], "csv")
    outcomes = [
        FeedbackItem(pid, outcome=int(value)) for pid, value in zip(ids[25:35], actual[25:35], strict=True)
    ]
    store.submit("churn", outcomes, "csv")
    return services, ids


def test_frd001_coverage_counts_match_the_whole_log_joined_in_pandas(labelled_log) -> None:
    services, _ = labelled_log
    naive = _naive(services.engine, "churn")
    with_feedback = naive["fb_verdict"].notna() | naive["fb_outcome"].notna()
    expected = Coverage(len(naive), int(with_feedback.sum()), int(naive["fb_outcome"].notna().sum()))
    assert coverage(services.engine, WindowSpec("churn")) == expected == Coverage(60, 35, 35)
    assert coverage(services.engine, WindowSpec("churn", version=99)) == Coverage(0, 0, 0)


def test_frd002_live_metrics_per_day_match_the_naive_reading(labelled_log) -> None:
    services, _ = labelled_log
    record = services.registry.get("churn")
    rows = labelled_window(services.engine, record)
    assert rows.logged == 60 and len(rows.meta) == 35, "only labelled rows are read"
    naive = _naive(services.engine, "churn")
    labelled = naive[naive["fb_verdict"].notna() | naive["fb_outcome"].notna()]
    meta = rows.meta.set_index("prediction_id").loc[labelled["prediction_id"]]
    assert meta["verdict"].tolist() == labelled["fb_verdict"].tolist()
    table = live.metrics_over_time(rows.meta, rows.logged_per_day, record, "day")
    assert table["logged"].tolist() == [60] and table["with_feedback"].tolist() == [35]
    outputs = [json.loads(text) for text in labelled["output"]]
    naive_meta = pd.DataFrame(
        {
            "prediction": [o["prediction"] for o in outputs],
            "outcome": [json.loads(t) if isinstance(t, str) else None for t in labelled["fb_outcome"]],
            "verdict": labelled["fb_verdict"].to_numpy(),
            **{f"probability:{c}": [o["probabilities"][str(c)] for o in outputs] for c in record.classes},
        }
    )
    expected = live.live_metrics(naive_meta, record)
    assert expected["accuracy"] == pytest.approx((labelled["fb_verdict"] == "correct").mean())
    assert set(expected) >= {"accuracy", "roc_auc", "f1", "brier"}
    for metric, value in expected.items():
        assert table.iloc[0][metric] == pytest.approx(value), metric


def _ids(page: dict) -> list[str]:
    return [row["prediction_id"] for row in page["rowData"]]


def test_frd003_grid_pages_filters_and_sorts_like_pandas_over_the_whole_log(labelled_log) -> None:
    services, ids = labelled_log
    engine = services.engine
    naive = _naive(engine, "churn").sort_values(["created_at", "prediction_id"], ascending=False)
    first = feedback_page(engine, "churn", {}, [], 0, 20)
    assert first["rowCount"] == 60 and _ids(first) == naive["prediction_id"].head(20).tolist()
    second = feedback_page(engine, "churn", {}, [], 20, 40)
    assert _ids(second) == naive["prediction_id"].iloc[20:40].tolist()
    row = next(
        r for r in feedback_page(engine, "churn", {}, [], 0, 100)["rowData"] if r["prediction_id"] == ids[0]
    )
    assert row["verdict"] == "incorrect" and row["feedback_user"] and row["prediction"] in ("0", "1")
    assert row["created_at"] == naive.set_index("prediction_id").loc[ids[0], "created_at"].strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    cases = {
        "verdict equals (any case)": (
            {"verdict": {"filterType": "text", "type": "equals", "filter": "Incorrect"}},
            naive["fb_verdict"] == "incorrect",
        ),
        "no feedback (blank)": (
            {"verdict": {"filterType": "text", "type": "blank"}},
            naive["fb_verdict"].isna(),
        ),
        "not contains keeps missing values": (
            {"verdict": {"filterType": "text", "type": "notContains", "filter": "inc"}},
            ~naive["fb_verdict"].fillna("").str.contains("inc"),
        ),
        "outcome equals": (
            {"outcome": {"filterType": "text", "type": "equals", "filter": "1"}},
            naive["outcome"] == "1",
        ),
        "id starts with, OR": (
            {
                "prediction_id": {
                    "filterType": "text",
                    "operator": "OR",
                    "conditions": [
                        {"filterType": "text", "type": "startsWith", "filter": ids[3][:30]},
                        {"filterType": "text", "type": "endsWith", "filter": ids[7][-30:]},
                    ],
                }
            },
            naive["prediction_id"].isin([ids[3], ids[7]]),
        ),
        "version number": (
            {"model_version": {"filterType": "number", "type": "greaterThanOrEqual", "filter": 2}},
            naive["model_version"] >= 2,
        ),
        "verdict is wrong OR missing keeps the rows without feedback": (
            {
                "verdict": {
                    "filterType": "text",
                    "operator": "OR",
                    "conditions": [
                        {"filterType": "text", "type": "equals", "filter": "incorrect"},
                        {"filterType": "text", "type": "blank"},
                    ],
                }
            },
            (naive["fb_verdict"] == "incorrect") | naive["fb_verdict"].isna(),
        ),
        "given by someone, AND not incorrect": (
            {
                "feedback_user": {"filterType": "text", "type": "notBlank"},
                "verdict": {"filterType": "text", "type": "notEqual", "filter": "incorrect"},
            },
            naive["fb_verdict"].notna() & (naive["fb_verdict"] != "incorrect"),
        ),
        "a LIKE wildcard is a plain character": (
            {"prediction_id": {"filterType": "text", "type": "contains", "filter": "%"}},
            naive["prediction_id"].str.contains("%", regex=False),
        ),
    }
    for name, (model, mask) in cases.items():
        page = feedback_page(engine, "churn", model, [], 0, 100)
        assert _ids(page) == naive.loc[mask, "prediction_id"].tolist(), name
        assert page["rowCount"] == int(mask.sum()), name
    by_verdict = feedback_page(engine, "churn", {}, [{"colId": "verdict", "sort": "asc"}], 0, 100)
    verdicts = [row["verdict"] for row in by_verdict["rowData"]]
    assert verdicts == sorted(v for v in verdicts if v) + [None] * 25, "missing values sort last"


@pytest.mark.parametrize(
    ("filter_model", "sort_model", "message"),
    [
        ({"nope": {"type": "equals", "filter": "x"}}, [], "unknown column"),
        ({"source": {"filterType": "number", "type": "equals", "filter": 1}}, [], "not numeric"),
        ({"model_version": {"filterType": "number", "type": "equals", "filter": "two"}}, [], "not a number"),
        ({"source": {"filterType": "text", "type": "regex", "filter": "a"}}, [], "not supported"),
        ({"source": {"filterType": "set", "values": ["a"]}}, [], "not supported"),
        ([1], [], "JSON object"),
        ({}, [{"colId": "source", "sort": "sideways"}], "must be 'asc' or 'desc'"),
        ({}, [{"colId": "features", "sort": "asc"}], "unknown column"),
    ],
)
def test_frd004_a_grid_request_the_grid_cannot_send_is_refused_by_name(
    labelled_log, filter_model, sort_model, message
) -> None:
    services, _ = labelled_log
    with pytest.raises(grid_query.QueryError, match=message):
        feedback_page(services.engine, "churn", filter_model, sort_model, 0, 10)


BLANK = {"type": "blank"}
NOT_BLANK = {"type": "notBlank"}


@pytest.mark.parametrize(
    ("filter_model", "required"),
    [
        ({}, False),
        ({"source": {"filterType": "text", "type": "equals", "filter": "api"}}, False),
        ({"verdict": {"filterType": "text", "type": "equals", "filter": "correct"}}, True),
        ({"verdict": {"filterType": "text", "type": "blank"}}, False),
        ({"outcome": {"filterType": "text", "type": "notContains", "filter": "1"}}, False),
        ({"feedback_user": {"filterType": "text", "type": "notBlank"}}, True),
        (
            {"verdict": {"operator": "OR", "conditions": [{"type": "equals", "filter": "x"}, BLANK]}},
            False,
        ),
        (
            {"verdict": {"operator": "AND", "conditions": [{"type": "notEqual", "filter": "x"}, NOT_BLANK]}},
            True,
        ),
        ({"verdict": "not a filter"}, False),
    ],
)
def test_frd005_filters_no_row_without_feedback_can_pass_are_read_from_feedback(
    filter_model, required
) -> None:
    assert rows._feedback_required(filter_model) is required


@pytest.mark.parametrize(
    ("column", "naive_column"),
    [("verdict", "fb_verdict"), ("outcome", "outcome"), ("feedback_user", "fb_user_name")],
)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_frd006_pages_sorted_on_a_feedback_column_match_pandas_across_the_missing_boundary(
    labelled_log, column, naive_column, direction
) -> None:
    services, _ = labelled_log
    naive = _naive(services.engine, "churn").sort_values(
        [naive_column, "created_at", "prediction_id"],
        ascending=[direction == "asc", False, False],
        na_position="last",
    )
    expected = naive["prediction_id"].tolist()
    sort_model = [{"colId": column, "sort": direction}]
    # Pages before, across and after the last row that has a value, and one longer than the log.
    for start, end in [(0, 10), (10, 30), (30, 40), (40, 60), (0, 100), (55, 70)]:
        page = feedback_page(services.engine, "churn", {}, sort_model, start, end)
        assert _ids(page) == expected[start:end], (column, direction, start, end)
        assert page["rowCount"] == 60
    version_filter = {"model_version": {"filterType": "number", "type": "equals", "filter": 1}}
    page = feedback_page(services.engine, "churn", version_filter, sort_model, 0, 100)
    assert _ids(page) == naive.loc[naive["model_version"] == 1, "prediction_id"].tolist()
