"""Scheduler tests: a served portal to render reports from, and the `portal report` CLI around it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from portal.db.engine import create_engine
from portal.db.report_runs import report_runs
from portal.db.scheduler import scheduler_runs
from tests.conftest import base_env
from tests.support.servers import PROJECT_ROOT, GunicornServer, start_gunicorn

REPORT_PAGE = "/models?model=churn"


def write_definitions(data_dir: Path, reports: list[dict] = (), alerts: list[dict] = ()) -> Path:
    file = data_dir / "reports.yaml"
    file.write_text(yaml.safe_dump({"reports": list(reports), "alerts": list(alerts)}))
    return file


def hourly_report(deliver: list[dict[str, Any]], name: str = "hourly") -> dict[str, Any]:
    return {
        "name": name,
        "pages": [REPORT_PAGE],
        "schedule": "0 * * * *",
        "timezone": "UTC",
        "deliver": deliver,
    }


def portal_cli(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def tick(env: dict[str, str], at: dt.datetime) -> subprocess.CompletedProcess:
    return portal_cli(env, "report", "tick", "--at", at.isoformat())


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@dataclasses.dataclass
class Records:
    """What the database says happened: report history and the scheduler's record of each fire."""

    url: str

    def rows(self, table: sa.Table, order: Any) -> list[Any]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return connection.execute(sa.select(table).order_by(order)).all()
        finally:
            engine.dispose()

    def report_runs(self) -> list[Any]:
        return self.rows(report_runs, report_runs.c.id)

    def fires(self) -> list[Any]:
        return self.rows(scheduler_runs, scheduler_runs.c.id)


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'portal.db').resolve()}"


@pytest.fixture(scope="module")
def render_portal(module_data_dir: Path) -> Iterator[GunicornServer]:
    """A real gunicorn the report renderer opens (its own scheduler off: the tests drive theirs)."""
    server = start_gunicorn(base_env(module_data_dir, PORTAL_WORKERS="2", PORTAL_SCHEDULER="off"))
    try:
        yield server
    finally:
        server.stop()
