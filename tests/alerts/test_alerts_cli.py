"""`portal alerts` in a real process on PostgreSQL: an alert reaches SMTP, a webhook and a directory."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from portal.app import create_app
from portal.db import migrate
from tests.alerts.helpers import log_at, reference_rows, services_of, shifted
from tests.conftest import base_env
from tests.support.receivers import smtp_server, webhook_receiver
from tests.support.servers import PROJECT_ROOT

RULE = {
    "name": "churn-drift",
    "title": "Churn input drift",
    "model": "churn",
    "window": "7d",
    "dataset_drift": True,
    "schedule": "*/30 * * * *",
}


def portal_cli(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", "alerts", *args],
        cwd=PROJECT_ROOT,
        env=base_env(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=300,
    )


def rules_file(data_dir: Path, *rules: dict) -> str:
    path = data_dir / "reports.yaml"
    path.write_text(yaml.safe_dump({"alerts": list(rules)}))
    return str(path)


@pytest.mark.postgres
def test_acl001_drift_alert_is_emailed_posted_and_filed_once(
    make_settings, data_dir: Path, postgres_database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade_url(postgres_database_url)
    app = create_app(make_settings(PORTAL_DATABASE_URL=postgres_database_url))
    record = services_of(app).registry.get("churn")
    log_at(app, shifted(reference_rows(app, 250), record), dt.datetime.now(dt.UTC))
    # The database is dropped after the test; a flusher left running would log failures into later tests.
    services_of(app).prediction_log.stop()
    outbox = tmp_path / "outbox"
    with smtp_server() as mailbox, webhook_receiver() as hook:
        deliver = [
            {"email": {"to": ["ops@example.com"]}},
            {"webhook": {"url": hook.url, "style": "json"}},
            {"directory": str(outbox)},
        ]
        env = {
            "PORTAL_DATABASE_URL": postgres_database_url,
            "PORTAL_REPORTS_FILE": rules_file(data_dir, {**RULE, "deliver": deliver}),
            "PORTAL_SMTP_HOST": mailbox.host,
            "PORTAL_SMTP_PORT": str(mailbox.port),
            "PORTAL_SMTP_STARTTLS": "false",
            "PORTAL_SMTP_FROM": "portal@example.com",
            "PORTAL_REPORT_BASE_URL": "https://portal.example.com",
        }
        first = portal_cli(data_dir, "check", **env)
        assert first.returncode == 0, first.stderr
        assert "churn-drift\tdataset_drift\tFIRING\tDataset drift on churn v1:" in first.stdout
        assert "churn-drift\traised alert 1" in first.stdout

        [message] = mailbox.messages
        assert message["To"] == "ops@example.com"
        assert message["Subject"] == "[RAISED] Churn input drift: dataset drift on churn"
        text = message.get_body(("plain",)).get_content()
        assert "250 logged rows" in text and "https://portal.example.com/drift?model=churn&window=7d" in text
        [attachment] = list(message.iter_attachments())
        assert attachment.get_filename() == "alert-1-raised.json"
        assert json.loads(attachment.get_content())["details"]["rows"] == 250

        [post] = hook.posts
        assert post["json"]["event"] == "raised" and post["json"]["rule"] == "churn-drift"
        assert post["json"]["details"]["drifted_share"] >= 0.5
        assert json.loads((outbox / "alert-1-raised.json").read_text())["alert_id"] == 1

        second = portal_cli(data_dir, "check", "churn-drift", **env)
        assert second.returncode == 0 and "raised alert" not in second.stdout
        assert len(mailbox.messages) == 1 and len(hook.posts) == 1, "an open alert is announced once"

        listed = portal_cli(data_dir, "list", "--open", "--model", "churn", **env)
        assert listed.returncode == 0
        [line] = listed.stdout.splitlines()
        assert line.startswith("1\topen\t") and "\tchurn-drift\tchurn v1\tDataset drift on churn v1" in line

        rules = portal_cli(data_dir, "rules", **env)
        assert rules.stdout.startswith("churn-drift\tchurn\t7d\tdataset drift\tnext ")


def test_acl002_a_delivery_that_fails_makes_the_check_exit_1(make_settings, data_dir: Path) -> None:
    app = create_app(make_settings())
    record = services_of(app).registry.get("churn")
    log_at(app, shifted(reference_rows(app, 150), record), dt.datetime.now(dt.UTC))
    with webhook_receiver(status=503) as hook:
        file = rules_file(data_dir, {**RULE, "deliver": [{"webhook": hook.url}]})
        result = portal_cli(data_dir, "check", PORTAL_REPORTS_FILE=file)
    assert result.returncode == 1
    assert "raised alert 1" in result.stdout
    assert "portal: alert 'churn-drift' delivery failed: webhook json webhook 127.0.0.1:" in result.stderr
    assert "answered HTTP 503" in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("check",), {}, "portal: no alert rules: add an 'alerts' list to PORTAL_REPORTS_FILE, or make one"),
        (
            ("check", "nosuch"),
            {"rules": [RULE]},
            "portal: no alert rule named 'nosuch'; defined: churn-drift",
        ),
        (("check",), {"rules": []}, "portal: no alert rules: add an 'alerts' list to PORTAL_REPORTS_FILE"),
        (
            ("check",),
            {"rules": [{**RULE, "window": "2w"}]},
            "alert 'churn-drift': window: expected one of 7d",
        ),
        (("list", "--limit", "0"), {}, "argument --limit: expected 1 to 1000"),
        (("list", "--limit", "many"), {}, "argument --limit: 'many' is not a whole number"),
        (("check",), {"rules": [RULE], "db": "sqlite:///{data}/empty.db"}, "run `portal db upgrade`"),
    ],
)
def test_acl003_bad_arguments_and_files_exit_2_with_one_clear_line(
    data_dir: Path, args: tuple, env: dict, message: str
) -> None:
    extra = {}
    if "rules" in env:
        extra["PORTAL_REPORTS_FILE"] = rules_file(data_dir, *env["rules"])
    if "db" in env:
        extra["PORTAL_DATABASE_URL"] = env["db"].format(data=data_dir)
    result = portal_cli(data_dir, *args, **extra)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
