"""The monitoring loop on a fresh install: `portal demo` alone gives drift, a live accuracy drop,
a retrained challenger that beats the champion, and a promotion."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from models import live
from portal.app import create_app
from portal.cli import main
from portal.config import load_settings
from portal.db.feedback import feedback
from portal.feedback.labelled import labelled_window
from portal.monitoring.comparisons import comparison
from tests.conftest import base_env

ROWS = "20000"


@pytest.fixture(scope="module")
def fresh_demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``portal db upgrade`` and ``portal demo`` into an empty data dir, as ``make run`` does."""
    data_dir = tmp_path_factory.mktemp("fresh") / "var"
    env = base_env(data_dir)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        assert main(["db", "upgrade"]) == 0
        started = time.monotonic()
        assert main(["demo", "--rows", ROWS]) == 0
        seconds = time.monotonic() - started
    finally:
        os.environ.clear()
        os.environ.update(saved)
    app = create_app(load_settings(env))
    yield {"env": env, "app": app, "data_dir": data_dir, "seconds": seconds}
    app.server.extensions["portal.services"].prediction_log.stop()


def _services(fresh_demo: dict):
    return fresh_demo["app"].server.extensions["portal.services"]


def test_fdl001_history_ends_yesterday_and_outcomes_arrive_with_a_lag(fresh_demo) -> None:
    services = _services(fresh_demo)
    record = services.registry.get("churn")
    labelled = labelled_window(services.engine, record)
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    days = labelled.logged_per_day
    assert days.index.max() == pd.Timestamp(today - dt.timedelta(days=1)).tz_localize(None)
    with services.engine.connect() as connection:
        sources = connection.execute(sa.select(feedback.c.source).distinct()).scalars().all()
    assert sources == ["demo"]
    created = pd.to_datetime(labelled.meta["created_at"], utc=True)
    age = (pd.Timestamp(today) - created).dt.days
    older = days[days.index < pd.Timestamp(today - dt.timedelta(days=30)).tz_localize(None)].sum()
    recent = days[days.index >= pd.Timestamp(today - dt.timedelta(days=7)).tz_localize(None)].sum()
    assert 0.6 < (age >= 30).sum() / older < 0.8, "about 70% of predictions older than 30 days"
    assert (age < 7).sum() / recent < 0.05, "last week's outcomes have mostly not arrived yet"


def test_fdl002_live_accuracy_drops_in_the_shifted_months(fresh_demo) -> None:
    services = _services(fresh_demo)
    record = services.registry.get("churn")
    labelled = labelled_window(services.engine, record)
    meta = labelled.meta[labelled.with_feedback]
    created = pd.to_datetime(meta["created_at"], utc=True)
    cut = created.max() - pd.Timedelta(days=90)
    before = live.live_metrics(meta[created < cut], record)["accuracy"]
    after = live.live_metrics(meta[created >= cut], record)["accuracy"]
    assert before - after > 0.08, (before, after)
    weekly = live.metrics_over_time(meta, labelled.logged_per_day, record, "week")
    assert weekly["accuracy"].head(8).mean() - weekly["accuracy"].dropna().tail(8).mean() > 0.08


def test_fdl003_drift_is_flagged_only_on_windows_with_enough_rows(fresh_demo) -> None:
    client = fresh_demo["app"].server.test_client()
    opened = client.get("/api/v1/models/churn/drift").get_json()
    assert opened["rows"]["compared"] >= opened["rows"]["min_rows"] == 100
    assert opened["verdict"]["text"] == "Drift detected" and "Opened on" in opened["window_note"]
    for window in ("7d", "30d", "90d"):
        answer = client.get(f"/api/v1/models/churn/drift?window={window}").get_json()
        if answer["rows"]["compared"] < 100:
            assert answer["verdict"]["status"] == "not enough data", window
        else:
            assert answer["verdict"]["status"] == "drifted", window


def test_fdl004_a_retrained_challenger_beats_the_champion_and_is_promoted(fresh_demo, capsys) -> None:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(fresh_demo["env"])
    try:
        assert main(["models", "retrain", "churn"]) == 0
        assert "registered churn v2 (inactive)" in capsys.readouterr().out
        services = _services(fresh_demo)
        report = comparison(services.registry, services.figure_cache, "churn", 1, 2)
        champion, challenger = report["metrics"]["a"], report["metrics"]["b"]
        assert challenger["accuracy"] > champion["accuracy"]
        assert challenger["roc_auc"] > champion["roc_auc"]
        assert challenger["log_loss"] < champion["log_loss"]
        saved_report = json.loads(
            (Path(fresh_demo["data_dir"]) / "models" / "churn" / "2" / "comparison.json").read_text()
        )
        assert saved_report["training"]["logged_rows"] > 1000, "trained on the demo's labelled rows"
        assert main(["models", "promote", "churn", "2"]) == 0
        assert "churn v2 is now active (was v1)" in capsys.readouterr().out
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert _services(fresh_demo).registry.get("churn").version == 2
