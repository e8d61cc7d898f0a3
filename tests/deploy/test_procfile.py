"""The Procfile: each process is a working ``portal`` subcommand; the release step really migrates."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from portal.db import migrate

ROOT = Path(__file__).resolve().parents[2]
PORTAL = Path(sys.executable).with_name("portal")


def processes() -> dict[str, list[str]]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip():
            name, _, command = line.partition(":")
            entries[name.strip()] = shlex.split(command)
    return entries


def clean_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["PORTAL_DATA_DIR"] = str(data_dir)
    return env


def test_proc001_the_four_process_types() -> None:
    assert processes() == {
        "release": ["portal", "db", "upgrade"],
        "web": ["portal", "serve"],
        "worker": ["portal", "worker"],
        "scheduler": ["portal", "report", "schedule"],
    }


@pytest.mark.parametrize("name", sorted(processes()))
def test_proc002_every_command_is_a_portal_subcommand(name: str, tmp_path: Path) -> None:
    argv = processes()[name]
    command = [str(PORTAL), *argv[1:], "--help"]
    result = subprocess.run(command, env=clean_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: portal {' '.join(argv[1:])}")


def test_proc003_release_upgrades_a_fresh_database(tmp_path: Path) -> None:
    env = clean_env(tmp_path)

    def portal(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(PORTAL), *args], env=env, capture_output=True, text=True, timeout=120)

    assert portal("db", "status").returncode == 1
    result = portal(*processes()["release"][1:])
    assert result.returncode == 0, result.stderr
    assert f"schema at {migrate.head_revision()}" in result.stdout
    after = portal("db", "status")
    assert after.returncode == 0 and (tmp_path / "portal.db").exists()


def test_proc004_platforms_that_read_requirements_install_the_locked_portal() -> None:
    text = (ROOT / "requirements.txt").read_text()
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    assert lines == ["--constraint constraints.txt", "--editable .[postgres]"]
    assert (ROOT / ".python-version").read_text().strip() == "3.11"
