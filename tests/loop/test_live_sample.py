"""Live performance reads a bounded, uniform sample of the labelled rows, with exact counts beside it."""

from __future__ import annotations

from models import live
from portal.feedback.labelled import labelled_window
from portal.feedback.store import FeedbackItem
from portal.predlog.windows import WindowSpec
from tests.loop.helpers import log_predictions, services_of


def test_lsm001_a_row_budget_reads_a_sample_while_counts_and_coverage_stay_exact(app) -> None:
    services = services_of(app)
    ids, _, _, actual = log_predictions(app, rows=400)
    items = [FeedbackItem(pid, int(outcome)) for pid, outcome in zip(ids[:300], actual[:300], strict=True)]
    assert services.feedback.submit("churn", items, source="csv").stored == 300
    record = services.registry.get("churn")
    whole = labelled_window(services.engine, record, WindowSpec("churn"))
    sample = labelled_window(services.engine, record, WindowSpec("churn"), max_rows=100)
    assert len(whole.meta) == 300 and not whole.sampled and whole.sample_share == 1.0
    assert sample.sampled and 50 <= len(sample.meta) <= 160, len(sample.meta)
    assert (sample.counts.logged, sample.counts.with_feedback, sample.counts.with_outcome) == (400, 300, 300)
    assert set(sample.meta["prediction_id"]) <= set(whole.meta["prediction_id"])
    again = labelled_window(services.engine, record, WindowSpec("churn"), max_rows=100)
    assert list(again.meta["prediction_id"]) == list(sample.meta["prediction_id"]), (
        "the same sample each time"
    )
    table = live.metrics_over_time(sample.meta, sample.logged_per_day, record, "week", sample.sample_share)
    assert int(table["with_feedback"].sum()) == 300, "counts scaled back to the labelled total"
    assert abs(float(table["coverage"].iloc[-1]) - 0.75) < 1e-9
    roomy = labelled_window(services.engine, record, WindowSpec("churn"), max_rows=1000)
    assert len(roomy.meta) == 300 and not roomy.sampled
