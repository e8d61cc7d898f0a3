"""Retrain, compare, promote and roll back through the CLI, with every switch audited."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.cli import main
from portal.db.feedback import model_promotions
from portal.feedback.store import FeedbackItem
from tests.loop.helpers import log_predictions, services_of


@pytest.fixture()
def cli_env(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("PORTAL_") and not name.startswith("PORTAL_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("USER", "ops-admin")
    return data_dir


def test_rtn001_retrain_registers_an_inactive_challenger_with_a_report_then_promote_and_rollback(
    cli_env, app, capsys
) -> None:
    ids, _, _, actual = log_predictions(app, rows=200, start=0)
    items = [FeedbackItem(pid, int(outcome)) for pid, outcome in zip(ids, actual, strict=True)]
    services_of(app).feedback.submit("churn", items, source="csv")
    assert main(["models", "retrain", "churn", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "registered churn v2 (inactive)" in out
    assert "labelled logged rows" in out and "/compare?model=churn&a=1&b=2" in out
    folder = cli_env / "models" / "churn" / "2"
    report = json.loads((folder / "comparison.json").read_text())
    assert report["a"] == 1 and report["b"] == 2 and report["rows"] > 0
    assert set(report["metrics"]["a"]) >= {"accuracy", "roc_auc"}
    assert report["training"]["logged_rows"] + report["rows"] >= 200
    assert "neither version trained on them" in (folder / "comparison.txt").read_text()
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["parent_version"] == 1 and metadata["id_column"] == "customer_id"
    assert (cli_env / "models" / "churn" / "ACTIVE").read_text().strip() == "1", (
        "a challenger starts inactive"
    )

    assert main(["models", "promote", "churn", "2"]) == 0
    assert "churn v2 is now active (was v1)" in capsys.readouterr().out
    assert main(["models", "rollback", "churn"]) == 0
    assert "churn v1 is now active (was v2)" in capsys.readouterr().out
    assert main(["models", "rollback", "churn"]) == 2
    assert "no version before v1" in capsys.readouterr().err
    engine = services_of(app).engine
    with engine.connect() as connection:
        rows = connection.execute(sa.select(model_promotions).order_by(model_promotions.c.promotion_id)).all()
    assert [(r.action, r.from_version, r.to_version, r.user_name, r.origin) for r in rows] == [
        ("promote", 1, 2, "ops-admin", "cli"),
        ("rollback", 2, 1, "ops-admin", "cli"),
    ]
    # Admin actions from the command line reach the audit log too, marked as coming from the CLI.
    from portal.security import audit

    entries = [(e.action, e.target, e.actor, e.remote_addr) for e in reversed(audit.recent(engine))]
    assert [e for e in entries if e[0].startswith("model.")] == [
        ("model.promote", "churn v2", "ops-admin", "cli"),
        ("model.rollback", "churn v1", "ops-admin", "cli"),
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["models", "retrain", "nosuch"], "no model named 'nosuch'"),
        (["models", "rollback", "churn", "7"], "has no version 7"),
        (["models", "rollback", "churn", "1"], "already active"),
        (["models", "promote", "churn", "9"], "has no version 9"),
    ],
)
def test_rtn002_bad_arguments_are_one_line_errors(cli_env, capsys, argv, message) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
