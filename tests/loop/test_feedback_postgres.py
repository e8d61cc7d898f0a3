"""Feedback, live metrics and the promotion audit on PostgreSQL, as in production."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from models import inference, live
from portal.db import migrate
from portal.db.engine import create_engine
from portal.feedback.labelled import Coverage, coverage, labelled_window
from portal.feedback.rows import feedback_page
from portal.feedback.store import FeedbackItem, FeedbackStore
from portal.monitoring import promotions
from portal.predlog.recorder import PredictionLog
from portal.predlog.windows import WindowSpec
from tests.loop.helpers import services_of


@contextmanager
def _logged_on_postgres(app, tmp_path, url: str, rows: int) -> Iterator[tuple]:
    """A migrated PostgreSQL log holding ``rows`` API predictions of churn: services, engine, record, ids."""
    services = services_of(app)
    engine = create_engine(url)
    plog = PredictionLog(engine, tmp_path / "spool", flush_interval=3600)
    try:
        migrate.upgrade(engine)
        record = services.registry.get("churn")
        reference = services.registry.reference("churn", 1)
        frame = reference.head(rows)[record.feature_names].reset_index(drop=True)
        result = inference.predict(services.registry, services.inference_cache, "churn", frame, 1)
        yield services, engine, record, plog.record_frame(result, frame, source="api")
    finally:
        plog.stop()
        engine.dispose()


@pytest.mark.postgres
def test_fpg001_feedback_latest_wins_and_audit_on_postgres(app, tmp_path, postgres_database_url) -> None:
    with _logged_on_postgres(app, tmp_path, postgres_database_url, 10) as (services, engine, record, ids):
        store = FeedbackStore(engine, services.registry)
        assert (
            store.submit("churn", [FeedbackItem(pid, verdict="correct") for pid in ids], "csv").stored == 10
        )
        assert store.submit("churn", [FeedbackItem(ids[0], verdict="incorrect")], "page").stored == 1
        rows = labelled_window(engine, record)
        assert rows.coverage == 1.0
        assert live.live_metrics(rows.meta, record)["accuracy"] == pytest.approx(0.9)
        assert live.metrics_over_time(rows.meta, rows.logged_per_day, record)["logged"].sum() == 10
        assert coverage(engine, WindowSpec("churn")) == Coverage(10, 10, 10)
        wrong = {"verdict": {"filterType": "text", "type": "equals", "filter": "INCORRECT"}}
        page = feedback_page(engine, "churn", wrong, [], 0, 100)
        assert page["rowCount"] == 1 and page["rowData"][0]["prediction_id"] == ids[0]
        assert page["rowData"][0]["created_at"][:2] == "20" and len(page["rowData"][0]["created_at"]) == 19
        outcome = {
            "outcome": {"filterType": "text", "type": "equals", "filter": page["rowData"][0]["outcome"]}
        }
        assert feedback_page(engine, "churn", outcome, [], 0, 100)["rowCount"] >= 1
        assert len(store.history(ids[0])) == 2
        services.registry.add_version(
            "churn",
            services.registry.load("churn").estimator,
            services.registry.reference("churn", 1),
            dict(record.metadata),
        )
        promotions.promote(services.registry, engine, "churn", 2, "ana", "page")
        promotions.rollback(services.registry, engine, "churn", None, "ana", "cli")
        history = promotions.history(engine, "churn")
        assert list(history["action"]) == ["rollback", "promote"]
        assert services.registry.active_version("churn") == 1


@pytest.mark.postgres
def test_fpg002_a_feedback_column_sort_pages_across_missing_values_on_postgres(
    app, tmp_path, postgres_database_url
) -> None:
    with _logged_on_postgres(app, tmp_path, postgres_database_url, 12) as (services, engine, _record, ids):
        store = FeedbackStore(engine, services.registry)
        store.submit("churn", [FeedbackItem(pid, verdict="correct") for pid in ids[:3]], "csv")
        store.submit("churn", [FeedbackItem(pid, verdict="incorrect") for pid in ids[3:5]], "csv")
        by_verdict = [{"colId": "verdict", "sort": "asc"}]
        pages = [feedback_page(engine, "churn", {}, by_verdict, a, b) for a, b in [(0, 4), (4, 8), (8, 20)]]
        shown = [row for page in pages for row in page["rowData"]]
        assert [row["verdict"] for row in shown] == ["correct"] * 3 + ["incorrect"] * 2 + [None] * 7
        assert sorted(row["prediction_id"] for row in shown) == sorted(ids)
        without = [row["prediction_id"] for row in shown[5:]]
        assert set(without) == set(ids[5:]) and all(page["rowCount"] == 12 for page in pages)
