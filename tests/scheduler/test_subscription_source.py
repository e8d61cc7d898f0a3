"""Subscriptions as a scheduler source: paused ones rest, edits are seen, the alert condition holds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from portal.alerts import store as alert_store
from portal.config import load_settings
from portal.db.engine import create_engine
from portal.reports import history, store
from portal.reports.runner import RunOutcome
from portal.reports.subscriptions import Subscriber
from portal.scheduler import jobs
from portal.scheduler.sources import SubscriptionsSource, default_sources
from portal.security.roles import Role
from tests.conftest import base_env

PAGES = ["/overview", "/drift"]
ANA = Subscriber("ana@example.com", Role.ANALYST)


@pytest.fixture()
def env(data_dir: Path):
    settings = load_settings(base_env(data_dir))
    engine = create_engine(settings.sqlalchemy_url)
    yield settings, engine
    engine.dispose()


def subscribe(settings, engine, title: str, **changes):
    body = {
        "title": title,
        "page": "/drift?model=churn",
        "schedule": {"kind": "daily", "time": "06:00"},
        "timezone": "UTC",
        "deliveries": [{"kind": "email", "to": "ana@example.com"}],
        **changes,
    }
    return store.save(settings, engine, PAGES, body, ANA)


def test_sso001_the_source_schedules_active_subscriptions_and_sees_every_change(env) -> None:
    settings, engine = env
    assert any(
        isinstance(source, SubscriptionsSource) for source in default_sources(settings, engine, None, PAGES)
    )
    source = SubscriptionsSource(settings, engine)
    empty = source.stamp()
    subscribe(settings, engine, "Drift daily")
    subscribe(settings, engine, "Drift weekly", schedule={"kind": "weekly", "day": "mon", "time": "6:00"})
    loaded = {job.key: job for job in source.load()}
    assert set(loaded) == {"report:drift-daily", "report:drift-weekly"}
    assert loaded["report:drift-weekly"].timing == ("0 6 * * mon", "UTC")
    before = source.stamp()
    assert before != empty
    store.set_paused(engine, "drift-weekly", True, ANA)
    assert source.stamp() != before, "a pause is seen on the next tick"
    assert [job.key for job in source.load()] == ["report:drift-daily"]


def test_sso002_only_while_an_alert_is_open_skips_with_the_reason_otherwise(env, monkeypatch) -> None:
    settings, engine = env
    rendered: list[str] = []

    def fake_run(settings, engine, report, trigger):
        rendered.append(report.name)
        return RunOutcome(history.create(engine, report.name, trigger), True, None, [])

    monkeypatch.setattr(jobs, "run_report", fake_run)
    subscription = subscribe(settings, engine, "Drift alarm", condition="alert_open")
    job = jobs.subscription_job(settings, engine, subscription, "report subscriptions")
    quiet = job.run()
    assert quiet.ok and quiet.detail == "not sent: no alert on the model 'churn' is open"
    [skipped] = history.recent(engine, report="drift-alarm")
    assert (skipped.status, skipped.error) == ("skipped", quiet.detail)
    assert rendered == []
    alert_store.create(
        engine,
        "drift-rule",
        "dataset_drift",
        ("churn", 1),
        "drift",
        {},
        "/drift?model=churn",
        dt.datetime.now(dt.UTC),
    )
    assert job.run().ok and rendered == ["drift-alarm"], "with an open alert the report is sent"
