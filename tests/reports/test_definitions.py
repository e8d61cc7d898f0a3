"""Report definitions: the example loads, and every class of mistake names the report and the field."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

import layouts
from portal.reports.definitions import PageSpec, load_file, parse
from portal.reports.fields import DefinitionError

ORIGIN = "http://127.0.0.1:8050"
ROOT = Path(__file__).resolve().parents[2]


def _one(**fields) -> str:
    report = {"name": "weekly", "title": "Weekly", "pages": ["/overview?model=churn"], **fields}
    return yaml.safe_dump({"reports": [report]})


def _problems(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse(text, ORIGIN, layouts.page_index().paths)
    return caught.value.problems


def test_def001_example_file_loads_against_the_demo_pages() -> None:
    reports = load_file(ROOT / "reports.example.yaml", ORIGIN, layouts.page_index().paths)
    weekly = reports["churn-weekly"]
    assert weekly.format == "pdf" and weekly.timezone == "Europe/Berlin" and weekly.schedule == "0 7 * * mon"
    assert weekly.pages[0] == PageSpec("/overview", (("model", "churn"), ("segment", "plan")))
    assert weekly.pages[1].query_dict == {"model": "churn", "threshold": "0.3"}
    assert reports["revenue-daily"].format == "png"


def test_def002_own_origin_absolute_url_becomes_a_path() -> None:
    text = _one(pages=[f"{ORIGIN}/performance?model=churn"])
    [report] = parse(text, ORIGIN, layouts.page_index().paths).values()
    assert report.pages[0].relative_url() == "/performance?model=churn"


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"schedule": "every monday"}, "report 'weekly': schedule: expected a 5-field cron expression"),
        ({"schedule": "0 25 * * *"}, "report 'weekly': schedule: '0 25 * * *' is not a valid cron"),
        ({"timezone": "Mars/Olympus"}, "report 'weekly': timezone: unknown time zone 'Mars/Olympus'"),
        ({"format": "gif"}, "report 'weekly': format: expected png"),
        (
            {"viewport": {"width": 10, "height": 900}},
            "report 'weekly': viewport.width: expected a whole number",
        ),
        ({"viewport": "big"}, "report 'weekly': viewport: expected a mapping"),
        ({"pages": []}, "report 'weekly': pages: required"),
        ({"pages": ["/nowhere"]}, "report 'weekly': pages[0]: no portal page at '/nowhere'"),
        ({"pages": ["file:///etc/passwd"]}, "report 'weekly': pages[0]: 'file:///etc/passwd' is not on the"),
        (
            {"pages": ["http://10.0.0.5:6379/"]},
            "report 'weekly': pages[0]: 'http://10.0.0.5:6379/' is not on",
        ),
        ({"pages": ["http://127.0.0.1:9999/overview"]}, "is not on the portal's own origin"),
        (
            {"pages": ["/overview?token=abc"]},
            "report 'weekly': pages[0].query: 'token' is set by the renderer",
        ),
        ({"pages": [{"path": "/overview", "query": {"model": ["a"]}}]}, "pages[0].query.model: expected"),
        ({"deliver": [{"ftp": "x"}]}, "report 'weekly': deliver[0]: unknown delivery 'ftp'"),
        ({"deliver": [{"email": {"to": "not-an-address"}}]}, "deliver[0].email.to: 'not-an-address' is not"),
        ({"deliver": [{"email": {"to": "a@example.com", "subject": "x\nBcc: evil@example.com"}}]}, "subject"),
        (
            {"deliver": [{"webhook": {"url": "ftp://example.com"}}]},
            "deliver[0].webhook.url: expected an http",
        ),
        ({"deliver": [{"webhook": {"url": "https://x.example", "style": "irc"}}]}, "webhook.style: expected"),
        ({"deliver": [{"webhook": {"url": "https://x.example", "timeout": 0}}]}, "webhook.timeout: expected"),
        ({"colour": "red"}, "report 'weekly': colour: unknown field"),
        ({"name": "Weekly Report!"}, "report 'Weekly Report!': name: required: lower-case"),
    ],
)
def test_def003_bad_field_is_named(fields, expected) -> None:
    problems = _problems(_one(**fields))
    assert any(expected in problem for problem in problems), problems


def test_def004_bad_yaml_names_the_line() -> None:
    [problem] = _problems("reports:\n  - name: weekly\n    pages: [/overview\n")
    assert problem.startswith("reports file: line ") and "not valid YAML" in problem


@pytest.mark.parametrize("text", ["- just a list\n", "reports: 3\n", "reports: []\nextra: 1\n"])
def test_def005_wrong_document_shape_is_refused(text) -> None:
    assert "reports" in _problems(text)[0]


def test_def006_duplicate_names_and_every_mistake_are_reported() -> None:
    text = yaml.safe_dump(
        {
            "reports": [
                {"name": "a", "pages": ["/"]},
                {"name": "a", "pages": ["/"], "format": "tiff", "timezone": "Nowhere"},
            ]
        }
    )
    problems = _problems(text)
    assert "report 'a': name: another report already has this name" in problems
    assert any(p.startswith("report 'a': format:") for p in problems)
    assert any(p.startswith("report 'a': timezone:") for p in problems)


def test_def007_yaml_tags_are_not_executed() -> None:
    problems = _problems("reports: !!python/object/apply:os.system ['true']\n")
    assert "not valid YAML" in problems[0]


@pytest.fixture()
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean PORTAL_* environment whose reports file is ``tmp_path/reports.yaml``."""
    for name in list(os.environ):
        if name.startswith("PORTAL_") and not name.startswith("PORTAL_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PORTAL_REPORTS_FILE", str(tmp_path / "reports.yaml"))
    return tmp_path / "reports.yaml"


def test_def008_cli_names_the_report_and_field(cli_env: Path, capsys) -> None:
    from portal.cli import main

    file = cli_env
    file.write_text(_one(schedule="61 * * * *"))
    assert main(["report", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("portal: report 'weekly': schedule: '61 * * * *' is not a valid cron expression")
    assert err.count("\n") == 1
    file.unlink()
    assert main(["report", "list"]) == 2
    assert "cannot read it" in capsys.readouterr().err


def test_def009_list_shows_next_run_in_the_report_time_zone(cli_env: Path, capsys) -> None:
    from portal.cli import main

    cli_env.write_text(_one(schedule="0 7 * * mon", timezone="Europe/Berlin"))
    assert main(["report", "list"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("weekly\tWeekly\tpng, 1 page(s)\t'0 7 * * mon' Europe/Berlin\tnext ")
    assert line.endswith("T07:00+01:00") or line.endswith("T07:00+02:00")
