"""`portal alerts rules` and `check` in a real process see the rules made from pages, paused ones left out."""

from __future__ import annotations

from pathlib import Path

from portal.alerts import rule_store
from portal.alerts.rule_store import Editor
from portal.app import create_app
from portal.security.roles import Role
from tests.alerts.helpers import services_of
from tests.alerts.test_alerts_cli import portal_cli


def test_prl001_page_rules_are_listed_and_checked_without_a_reports_file(
    make_settings, data_dir: Path
) -> None:
    services = services_of(create_app(make_settings()))
    ana = Editor("ana@example.com", Role.ANALYST)
    for title in ("Plan drifts", "Paused plan watch"):
        raw = {
            "title": title,
            "model": "churn",
            "feature_drift": "plan",
            "schedule": "0 * * * *",
            "deliver": [{"email": {"to": ["ana@example.com"]}}],
        }
        rule_store.save(services.settings, services.engine, services.registry, raw, ana)
    rule_store.set_paused(services.settings, services.engine, "paused-plan-watch", True, ana)
    services.prediction_log.stop()

    listed = portal_cli(data_dir, "rules")
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    fields = line.split("\t")
    assert fields[:4] == ["plan-drifts", "churn", "7d", "plan drifting"] and fields[-1] == "page"

    checked = portal_cli(data_dir, "check")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("plan-drifts\tfeature_drift\tundecided\tchurn: Not enough data: 0 rows")
    refused = portal_cli(data_dir, "check", "paused-plan-watch")
    assert refused.returncode == 2 and "no alert rule named 'paused-plan-watch'" in refused.stderr
