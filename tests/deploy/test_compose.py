"""compose.yaml: the services production needs, wired in the right order, with settings the portal takes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from portal.config import SETTINGS, load_settings
from tests.support.compose import (
    ROOT,
    MissingVariable,
    env_file,
    interpolate,
    load,
    portal_services,
    references,
)

PORTAL = Path(sys.executable).with_name("portal")
STRONG_SECRET = "c0ffee" * 11
FILLED = {**env_file(), "PORTAL_SECRET_KEY": STRONG_SECRET, "POSTGRES_PASSWORD": "pw"}
APP_SERVICES = {"migrate", "web", "worker", "scheduler"}


@pytest.fixture(scope="module")
def stack() -> dict:
    return load(FILLED)


def local_environment(stack: dict, name: str, data_dir: Path) -> dict[str, str]:
    """A service's environment with its container paths mapped to this machine (the bind mounts)."""
    environment = dict(portal_services(stack)[name]["environment"])
    mounts = dict(volume.split(":")[:2][::-1] for volume in portal_services(stack)[name].get("volumes", []))
    reports = mounts.get(environment["PORTAL_REPORTS_FILE"], "./deploy/compose/reports.yaml")
    environment.update(PORTAL_DATA_DIR=str(data_dir), PORTAL_REPORTS_FILE=str(ROOT / reports))
    return environment


def test_comp001_the_stack_has_every_service(stack: dict) -> None:
    assert set(stack["services"]) == {"postgres", "redis", "migrate", "web", "proxy", "worker", "scheduler"}
    assert set(portal_services(stack)) == APP_SERVICES


def test_comp002_databases_are_health_checked_and_everything_waits_for_migrations(stack: dict) -> None:
    services = stack["services"]
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "scheduler"):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert needs["postgres"]["condition"] == "service_healthy"
        assert needs["redis"]["condition"] == "service_healthy"
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_comp003_two_web_replicas_one_scheduler_one_shared_data_volume(stack: dict) -> None:
    services = stack["services"]
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["scheduler"]["deploy"]["replicas"] == 1
    for name in ("web", "worker", "scheduler"):
        assert "portal-data:/data" in services[name]["volumes"], name
        assert services[name]["environment"]["PORTAL_DATA_DIR"] == "/data"
    assert "portal-data" in stack["volumes"]
    assert services["proxy"]["image"].startswith("nginx:")
    assert "./deploy/compose/nginx.conf:/etc/nginx/nginx.conf:ro" in services["proxy"]["volumes"]


def test_comp004_app_services_share_one_environment_of_known_settings(stack: dict) -> None:
    known = {s.env for s in SETTINGS} | {f"{s.env}_FILE" for s in SETTINGS if s.secret}
    environments = {name: service["environment"] for name, service in portal_services(stack).items()}
    for name, environment in environments.items():
        assert set(environment) <= known, (name, set(environment) - known)
        assert environment["PORTAL_DATABASE_URL"].endswith("@postgres:5432/portal")
        assert environment["PORTAL_CACHE_URL"].startswith("redis://redis:6379/")
        assert environment["PORTAL_CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    shared = environments["worker"]
    for environment in environments.values():
        assert {k: v for k, v in environment.items() if k not in ("HOST", "PORT")} == shared
    assert environments["web"]["HOST"] == "0.0.0.0"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_comp005_each_environment_passes_the_portal_checks(stack: dict, tmp_path: Path, name: str) -> None:
    settings = load_settings(local_environment(stack, name, tmp_path))
    assert settings.is_production and settings.auth == "oidc"
    assert [str(n) for n in settings.trusted_proxies] == [f"{FILLED['PROXY_ADDRESS']}/32"]


def test_comp006_missing_secrets_stop_compose_with_a_message() -> None:
    with pytest.raises(MissingVariable, match="PORTAL_SECRET_KEY"):
        load(env_file())
    assert interpolate("$${POSTGRES_USER}", {}) == "${POSTGRES_USER}"


def test_comp007_env_example_lists_every_variable_and_no_secret() -> None:
    example = env_file()
    assert references() <= set(example), references() - set(example)
    secrets = [s.env for s in SETTINGS if s.secret] + ["POSTGRES_PASSWORD"]
    assert {name: example[name] for name in secrets if example.get(name)} == {}
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_comp008_every_command_is_a_portal_subcommand(stack: dict, name: str) -> None:
    command = portal_services(stack)[name]["command"]
    result = subprocess.run([str(PORTAL), *command, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: portal {command[0]}")


def test_comp009_the_schedulers_report_definitions_load(stack: dict, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", **local_environment(stack, "scheduler", tmp_path)}
    argv = [str(PORTAL), "report", "list"]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert re.findall(r"^([a-z-]+)\t", result.stdout, re.M) == ["churn-weekly", "revenue-daily"]


def test_comp010_run_locally_no_setting_names_a_container_host_or_path(stack: dict, tmp_path: Path) -> None:
    """The topology test maps only postgres, redis, proxy and the volumes: anything new must be mapped too."""
    from tests.support.topology import container_paths, documented_runs, local_environment

    hosts = {"postgres": "127.0.0.1:5432", "redis": "127.0.0.1:6379", "proxy": "127.0.0.1:8080"}
    volumes = {name: tmp_path / name for name in stack["volumes"]}
    services = portal_services(stack)
    unmounted = (container_paths(services), tmp_path / "not-mounted")
    for name, service in services.items():
        environment = local_environment(service, hosts, volumes, unmounted)
        for key, value in environment.items():
            assert not re.search(r"//(postgres|redis|proxy|web)\b", value), (name, key, value)
            assert not value.startswith(("/data", "/etc/portal")), (name, key, value)
            if value.startswith("/"):
                assert Path(value).is_relative_to(tmp_path) or Path(value).exists(), (name, key, value)
    assert documented_runs() == [("web", ["demo", "--if-missing"])]


def docker_compose() -> list[str] | None:
    """Compose v2 (`docker compose`) where its plugin answers, else the v1 `docker-compose`, else None."""
    import shutil

    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


COMPOSE = docker_compose()


@pytest.mark.skipif(COMPOSE is None, reason="no docker compose here: the Python reader above stands alone")
def test_comp011_docker_compose_itself_accepts_the_file(tmp_path: Path) -> None:
    """Compose's own schema check, which refuses a misspelt key the reader above would carry along."""
    text = (ROOT / "compose.yaml").read_text()
    if COMPOSE == ["docker-compose"]:
        # v1 predates the top-level `name` (it only names the project); everything else it checks.
        text = re.sub(r"^name: .*\n", "", text, flags=re.M)
    env = tmp_path / ".env"
    env.write_text("".join(f"{name}={value}\n" for name, value in FILLED.items()))

    def config(compose_text: str) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "compose.yaml"
        path.write_text(compose_text)
        argv = [*COMPOSE, "--project-directory", str(ROOT), "-f", str(path), "--env-file", str(env), "config"]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120)

    result = config(text)
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    assert rendered["services"]["web"]["deploy"]["replicas"] == 2
    assert set(rendered["services"]) == set(load(FILLED)["services"])
    assert config(text.replace("    healthcheck:", "    healtcheck:", 1)).returncode != 0
