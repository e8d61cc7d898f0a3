"""A real gunicorn portal for report runs, and a helper that runs the `portal report` CLI against it."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import base_env
from tests.support.servers import PROJECT_ROOT, GunicornServer, start_gunicorn


@dataclasses.dataclass
class ReportPortal:
    """A served portal plus what a `portal report` process needs to use it."""

    server: GunicornServer
    data_dir: Path

    def env(self, reports: list[dict], **extra: str) -> dict[str, str]:
        file = self.data_dir / "reports.yaml"
        file.write_text(yaml.safe_dump({"reports": reports}))
        return base_env(
            self.data_dir,
            PORTAL_REPORTS_FILE=str(file),
            PORTAL_REPORT_BASE_URL=self.server.url,
            PORTAL_REPORT_TIMEOUT="45",
            **extra,
        )

    def cli(self, reports: list[dict], *args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "portal.cli", "report", *args],
            cwd=PROJECT_ROOT,
            env=self.env(reports, **extra),
            capture_output=True,
            text=True,
            timeout=300,
        )


def _serve(data_dir: Path) -> GunicornServer:
    return start_gunicorn(base_env(data_dir, PORTAL_WORKERS="2"))


@pytest.fixture(scope="module")
def report_portal(module_data_dir: Path) -> Iterator[ReportPortal]:
    server = _serve(module_data_dir)
    try:
        yield ReportPortal(server, module_data_dir)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def broken_portal(tmp_path_factory: pytest.TempPathFactory, demo_models_dir: Path) -> Iterator[ReportPortal]:
    """A portal whose churn population file is corrupt, so the Overview's callbacks fail."""
    data_dir = tmp_path_factory.mktemp("broken") / "var"
    shutil.copytree(demo_models_dir, data_dir)
    shutil.rmtree(data_dir / "scores", ignore_errors=True)
    broken = data_dir / "datasets" / "broken.parquet"
    broken.write_bytes(b"this is not a parquet file")
    for metadata_file in (data_dir / "models" / "churn").glob("*/metadata.json"):
        metadata = json.loads(metadata_file.read_text())
        metadata["population"] = str(broken)
        metadata_file.write_text(json.dumps(metadata))
    server = _serve(data_dir)
    try:
        yield ReportPortal(server, data_dir)
    finally:
        server.stop()
