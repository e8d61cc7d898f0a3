"""Compare's live agreement is exact on crafted shadow rows and outcomes, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.db.engine import create_engine
from portal.db.feedback import feedback
from portal.db.migrate import upgrade
from portal.db.shadow import shadow_predictions
from portal.shadow.agreement import agreements

AT = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def row(pid: str, live: str, shadow: str, live_score: float, shadow_score: float, versions=(1, 2)) -> dict:
    return {
        "prediction_id": pid,
        "created_at": AT,
        "model_name": "churn",
        "live_version": versions[0],
        "shadow_version": versions[1],
        "live_prediction": live,
        "shadow_prediction": shadow,
        "live_score": live_score,
        "shadow_score": shadow_score,
        "changed": live != shadow,
        "output": "{}",
    }


def outcome(pid: str, value: str | None, feedback_id: int, verdict: str | None = None) -> dict:
    return {
        "feedback_id": feedback_id,
        "prediction_id": pid,
        "model_name": "churn",
        "outcome": value,
        "verdict": verdict,
        "user_name": "ana",
        "created_at": AT,
        "source": "page",
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'portal.db'}"
    else:
        url = request.getfixturevalue("postgres_database_url")
    engine = create_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_sag001_changed_share_mean_difference_and_both_accuracies_on_the_same_labelled_rows(engine) -> None:
    rows = [
        row("a" * 32, "1", "1", 0.9, 0.8),
        row("b" * 32, "0", "1", 0.4, 0.6),
        row("c" * 32, "1", "0", 0.7, 0.3),
        row("d" * 32, "0", "0", 0.1, 0.2),
        row("e" * 32, "1", "1", 0.6, 0.6, versions=(2, 3)),
    ]
    outcomes = [
        outcome("a" * 32, "0", 1),  # superseded by the correction below
        outcome("a" * 32, "1", 2),  # both right
        outcome("b" * 32, "1", 3),  # shadow right, live wrong
        outcome("c" * 32, None, 4, verdict="correct"),  # no outcome: not counted
        outcome("f" * 32, "1", 5),  # not shadowed
    ]
    with engine.begin() as connection:
        connection.execute(sa.insert(shadow_predictions), rows)
        connection.execute(sa.insert(feedback), outcomes)
    first, second = sorted(agreements(engine, "churn", "classification"), key=lambda a: a.shadow_version)
    assert (first.live_version, first.shadow_version, first.rows, first.changed) == (1, 2, 4, 2)
    assert first.changed_share == 0.5
    assert first.mean_difference == pytest.approx((-0.1 + 0.2 - 0.4 + 0.1) / 4)
    assert first.mean_abs_difference == pytest.approx((0.1 + 0.2 + 0.4 + 0.1) / 4)
    assert (first.labelled, first.live_metric, first.shadow_metric) == (2, 0.5, 1.0)
    assert (second.live_version, second.shadow_version, second.rows, second.labelled) == (2, 3, 1, 0)
    assert second.live_metric is None and second.shadow_metric is None
    assert agreements(engine, "revenue", "regression") == []


def test_sag002_regressors_compare_mean_absolute_error_on_outcomes(engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.insert(shadow_predictions),
            [row("a" * 32, "10.0", "12.0", 10.0, 12.0), row("b" * 32, "5.0", "5.0", 5.0, 5.0)],
        )
        connection.execute(sa.insert(feedback), [outcome("a" * 32, "11.0", 1), outcome("b" * 32, "8.0", 2)])
    (found,) = agreements(engine, "churn", "regression")
    assert (found.metric, found.labelled) == ("mae", 2)
    assert found.live_metric == pytest.approx((1.0 + 3.0) / 2)
    assert found.shadow_metric == pytest.approx((1.0 + 3.0) / 2)
    assert found.mean_difference == pytest.approx(1.0)
