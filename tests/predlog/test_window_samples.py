"""Windows read back for drift: the same numbers as the old reader; a bounded uniform sample when large."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from layouts import drift as drift_layout
from models import drift
from portal.monitoring import drift as drift_service
from portal.predlog import windows
from portal.predlog.demo_history import backfill
from portal.predlog.parsing import json_lines, typed_features


@pytest.fixture
def history(app):
    """The demo's six months of logged churn predictions (about 2,000 rows at the tests' demo size)."""
    services = app.server.extensions["portal.services"]
    logged = backfill(services.registry, services.prediction_log, "churn", months=6)
    windows._memo.clear()
    return services, logged


def _old_reading(engine: sa.Engine, spec: windows.WindowSpec, schema) -> pd.DataFrame:
    """What the reader did before Arrow: every row, parsed by pandas' JSON reader."""
    with engine.connect() as connection:
        rows = connection.execute(windows.window_query(spec)).all()
    raw = pd.DataFrame(rows, columns=list(windows.LOG_COLUMNS))
    return typed_features(json_lines(raw["features"]), schema)


def test_smp001_drift_reads_the_same_features_and_verdicts_as_before(history) -> None:
    services, _ = history
    record = services.registry.get("churn")
    reference = services.registry.reference("churn", record.version)
    kinds = drift_service.drift_kinds(record)
    months = [
        o["value"] for o in drift_service.window_options(services, "churn") if o["value"].startswith("month:")
    ]
    assert len(months) >= 5
    for value in months:
        spec = drift_service.window_spec("churn", None, value)
        before = _old_reading(services.engine, spec, record.schema)
        window = windows.load_window(services.engine, spec, record.schema)
        assert not window.sampled and window.logged == len(before)
        pd.testing.assert_frame_equal(window.features, before)
        old = drift.dataset_drift(reference, before, kinds)
        view = drift_service.drift_view(services, record, spec)
        assert view.result.drifted == old.drifted, value
        assert view.result.drifted_features == old.drifted_features, value
        assert [f.statistic for f in view.result.features] == [f.statistic for f in old.features], value


def test_smp002_a_large_window_is_a_uniform_repeatable_sample_of_about_the_budget(history) -> None:
    services, logged = history
    record = services.registry.get("churn")
    spec = windows.WindowSpec("churn")
    budget = logged // 4
    sample = windows.load_window(services.engine, spec, record.schema, max_rows=budget)
    assert sample.sampled and sample.logged == logged
    assert 0.8 * budget <= sample.rows <= 1.2 * budget
    windows._memo.clear()
    again = windows.load_window(services.engine, spec, record.schema, max_rows=budget)
    assert again.meta["prediction_id"].tolist() == sample.meta["prediction_id"].tolist(), "the same rows"
    full = windows.load_window(services.engine, spec, record.schema, max_rows=logged)
    assert not full.sampled and full.rows == logged
    by_month = lambda w: w.meta["created_at"].dt.strftime("%Y-%m").value_counts(normalize=True)  # noqa: E731
    shares = pd.concat([by_month(full), by_month(sample)], axis=1).fillna(0).to_numpy()
    assert np.abs(shares[:, 0] - shares[:, 1]).max() < 0.08, "every month keeps its share (about 5 sigma)"
    assert set(sample.meta["prediction_id"]) <= set(full.meta["prediction_id"])


def test_smp003_the_drift_page_says_when_it_tested_a_sample(history, monkeypatch) -> None:
    services, logged = history
    monkeypatch.setattr(windows, "SAMPLE_ROWS", logged // 3)
    record = services.registry.get("churn")
    view = drift_service.drift_view(services, record, windows.WindowSpec("churn"))
    assert view.window_rows == logged and view.tested_rows < logged
    text = str(drift_layout.kpis(view, view.result))
    assert f"uniform random sample of the window's {logged:,}" in text
    assert all(item.current_rows <= view.tested_rows for item in view.result.features)


def test_smp005_callbacks_asking_for_one_window_at_once_read_it_once(history, monkeypatch) -> None:
    services, _ = history
    record = services.registry.get("churn")
    reads = []
    real = windows._read

    def counted(*args):
        reads.append(args[1])
        time.sleep(0.2)  # long enough for every caller to arrive while the first reads
        return real(*args)

    monkeypatch.setattr(windows, "_read", counted)
    spec = windows.WindowSpec("churn")
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda _: windows.load_window(services.engine, spec, record.schema), range(4)))
    assert len(reads) == 1
    assert all(window is found[0] for window in found) and found[0].rows > 0
