"""One scheduler acts across replicas: any number run, each due fire is delivered once.

PostgreSQL replicas meet on an advisory lock; processes sharing a SQLite file meet on a file lock
beside it. The lock is taken per run, so whichever scheduler is alive takes the next one.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from portal.db import migrate
from tests.conftest import base_env
from tests.scheduler.conftest import Records, hourly_report, sqlite_url, tick, utc, write_definitions
from tests.support.receivers import webhook_receiver
from tests.support.servers import PROJECT_ROOT, start_gunicorn


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_database(request, data_dir: Path) -> Iterator[str]:
    """One database two schedulers share: a SQLite file in the first data dir, or a fresh PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(data_dir)
        return
    postgres = request.getfixturevalue("postgres_database_url")
    migrate.upgrade_url(postgres)
    yield postgres


def replica(data_dir: Path, tmp_path: Path, name: str) -> Path:
    """A second host's data dir: its own files and models, the shared database by URL."""
    target = tmp_path / name
    shutil.copytree(data_dir / "models", target / "models")
    shutil.copytree(data_dir / "datasets", target / "datasets")
    return target


def test_sco001_two_schedulers_on_one_database_deliver_a_due_run_once(
    render_portal, data_dir: Path, tmp_path: Path, shared_database: str
) -> None:
    other_dir = replica(data_dir, tmp_path, "other")
    with webhook_receiver() as hook:
        file = write_definitions(tmp_path, [hourly_report([{"webhook": hook.url}])])
        common = {
            "PORTAL_DATABASE_URL": shared_database,
            "PORTAL_REPORTS_FILE": str(file),
            "PORTAL_REPORT_BASE_URL": render_portal.url,
        }
        envs = [base_env(data_dir, **common), base_env(other_dir, **common)]
        assert tick(envs[0], utc(2026, 3, 2, 9, 30)).stdout == "nothing is due\n"
        at = utc(2026, 3, 2, 10, 0, 2).isoformat()
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "portal.cli", "report", "tick", "--at", at],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for env in envs
        ]
        outputs = [process.communicate(timeout=300) for process in processes]
        assert [process.returncode for process in processes] == [0, 0], outputs
        said = sorted(out for out, _err in outputs)
        ran = [out for out in said if "\tran\tok\t" in out]
        assert len(ran) == 1, said
        others = [out for out in said if out not in ran]
        assert others[0] in ("nothing is due\n",) or "\tbusy\t" in others[0] or "\tnot due\t" in others[0]
        assert len(hook.posts) == 1
    records = Records(shared_database)
    assert [(run.trigger, run.status) for run in records.report_runs()] == [("schedule", "succeeded")]
    [fire] = records.fires()
    assert fire.status == "succeeded" and fire.scheduled_for.replace(tzinfo=dt.UTC) == utc(2026, 3, 2, 10)


@pytest.mark.postgres
@pytest.mark.slow
def test_sco002_two_portal_serve_instances_on_one_postgres_deliver_once(
    data_dir: Path, tmp_path: Path, postgres_database_url: str
) -> None:
    migrate.upgrade_url(postgres_database_url)
    with webhook_receiver() as hook:
        file = write_definitions(tmp_path, [hourly_report([{"webhook": hook.url}])])
        common = {
            "PORTAL_DATABASE_URL": postgres_database_url,
            "PORTAL_REPORTS_FILE": str(file),
            "PORTAL_SCHEDULER_GRACE_MINUTES": "120",
            "PORTAL_WORKERS": "1",
            "PORTAL_LOG_LEVEL": "info",
        }
        # While no scheduler ran, this hour's run fell due: both instances see it as soon as they start.
        hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
        seeded = tick(base_env(data_dir, **common), hour - dt.timedelta(seconds=30))
        assert seeded.stdout == "nothing is due\n", seeded.stderr
        dirs = [data_dir, replica(data_dir, tmp_path, "second")]
        servers = [start_gunicorn(base_env(d, **common), command=("-m", "portal.cli", "serve")) for d in dirs]
        try:
            records = Records(postgres_database_url)
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and not any(f.status == "succeeded" for f in records.fires()):
                time.sleep(1)
            time.sleep(2 * 5)  # two more ticks of both schedulers: nothing may run the same fire again
            fires = records.fires()
            assert [f.status for f in fires][:1] == ["succeeded"], [s.log()[-2000:] for s in servers]
            assert len({f.scheduled_for for f in fires}) == len(fires), "one record per fire"
            assert len(hook.posts) == len([f for f in fires if f.status == "succeeded"]) >= 1
            states = [requests.get(s.url + "/readyz", timeout=10).json()["scheduler"] for s in servers]
            assert (
                states[0]["leader"] == states[1]["leader"]
                and states[0]["leader"]["instance"] == fires[-1].instance
            )
            serving = [i for i in states[0]["instances"] if i["role"] == "gunicorn"]
            assert [i["live"] for i in serving] == [True, True], "both instances tick; one did the work"
        finally:
            for server in servers:
                server.stop()
