"""Config mistakes stop start-up with one line naming the variable, and no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import base_env
from tests.support.servers import PROJECT_ROOT


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "http"}, "PORT"),
        ({"PORTAL_ENV": "production"}, "PORTAL_SECRET_KEY"),
        ({"PORTAL_WROKERS": "4"}, "PORTAL_WROKERS"),
        ({"PORTAL_FRAME_ANCESTORS": "https://*.example.com"}, "PORTAL_FRAME_ANCESTORS"),
    ],
)
@pytest.mark.parametrize("command", ["gunicorn", "cli"])
def test_start001_config_error_is_one_clear_line(tmp_path, env, named, command) -> None:
    argv = (
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--check-config"]
        if command == "gunicorn"
        else [sys.executable, "-m", "portal.cli", "models", "list"]
    )
    result = subprocess.run(
        argv, cwd=PROJECT_ROOT, env=base_env(tmp_path, **env), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert named in result.stderr
    assert "configuration error" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_start002_wsgi_import_refuses_production_default_secret(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=PROJECT_ROOT,
        env=base_env(tmp_path, PORTAL_ENV="production"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "PORTAL_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
