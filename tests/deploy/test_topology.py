"""compose.yaml run for real: its app services as local processes behind its own nginx.conf, in Chromium.

Every app service starts with its own `command` and `environment` from compose.yaml (interpolated
with .env.example's values plus the few a test must choose), on the real PostgreSQL (a fresh
database) and Redis (two empty database indexes). Two web replicas sit behind Debian's nginx
running deploy/compose/nginx.conf, round robin with no stickiness, which also plays the SSO
gateway of header sign-in. One replica is killed with SIGKILL in the middle of a batch.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import secrets
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
import requests
import sqlalchemy as sa

from tests.support.browser import chromium_context, watch
from tests.support.compose import env_file, load, portal_services
from tests.support.databases import fresh_postgres_database, postgres_url
from tests.support.nginx import NGINX, running_nginx, upstream_log
from tests.support.servers import descendant_pids, free_port
from tests.support.topology import (
    PORTAL,
    ServiceProcess,
    answers,
    claimed_redis_databases,
    command,
    container_paths,
    documented_runs,
    local_environment,
    process_environment,
    run_once,
    wait_until,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.gunicorn,
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(NGINX is None, reason="no nginx here (`make nginx` installs Debian's)"),
]
READY = "() => document.body.dataset.portalReady === 'true'"
USER = "topology-admin"
# Small enough for the CI budget; the documented demo step builds 200,000 rows by default.
DEMO_ROWS = "4000"
BATCH_ROWS = 200_000


@dataclass
class Stack:
    """The running services, where they listen, and what the test needs to look inside."""

    proxy_url: str
    nginx_folder: Path
    database_url: str
    environments: dict[str, dict[str, str]]
    processes: list[ServiceProcess] = field(default_factory=list)
    webs: list[ServiceProcess] = field(default_factory=list)
    others: dict[str, ServiceProcess] = field(default_factory=dict)
    metrics_token: str = ""
    admin_group: str = ""
    compose: dict = field(default_factory=dict)

    def web_url(self, web: ServiceProcess) -> str:
        return f"http://127.0.0.1:{web.env['PORT']}"

    def web_health(self) -> str:
        """The path of compose's web health check (its `readyz`), on whatever port the replica has."""
        test = " ".join(self.compose["services"]["web"]["healthcheck"]["test"])
        match = re.search(r"http://127\.0\.0\.1:(?P<port>\d+)(?P<path>/[\w/-]*)", test)
        assert match and match.group("port") == self.compose["services"]["web"]["environment"]["PORT"]
        return match.group("path")

    def wait_ready(self, web: ServiceProcess) -> None:
        url = self.web_url(web) + self.web_health()
        wait_until(lambda: answers(url), 180, f"{web.name} {url}", web)

    def restart(self, web: ServiceProcess) -> ServiceProcess:
        """What compose's restart policy does for a replica that died: the same command, port and settings."""
        assert not web.alive()
        env = {**web.env, "TMPDIR": container_tmp(Path(web.env["TMPDIR"]).parent, web.name + "-restarted")}
        again = ServiceProcess(web.name, web.argv, env, web.log_path).start()
        self.processes.append(again)
        self.webs[self.webs.index(web)] = again
        return again

    def as_user(self) -> dict[str, str]:
        """What the SSO gateway would add; the test's own requests come from the trusted address too."""
        return {"X-Forwarded-User": USER, "X-Forwarded-Groups": self.admin_group}

    def metrics(self, web: ServiceProcess) -> str:
        headers = {"Authorization": f"Bearer {self.metrics_token}"}
        reply = requests.get(self.web_url(web) + "/metrics", headers=headers, timeout=30)
        assert reply.status_code == 200, reply.text[:500]
        return reply.text


def _dotenv(database_url: str, cache_db: int, broker_db: int, proxy_port: int, token: str) -> dict[str, str]:
    """.env.example filled in as an operator would for this machine (the test's only choices)."""
    server = sa.make_url(database_url)
    return {
        **env_file(),
        "PORTAL_SECRET_KEY": secrets.token_hex(32),
        "POSTGRES_USER": server.username or "postgres",
        "POSTGRES_PASSWORD": server.password or "unused-with-trust-auth",
        "POSTGRES_DB": server.database,
        "REDIS_CACHE_DB": str(cache_db),
        "REDIS_BROKER_DB": str(broker_db),
        # Header sign-in: the proxy, here on loopback, is the only address believed.
        "PORTAL_AUTH": "header",
        "PROXY_ADDRESS": "127.0.0.1",
        "PUBLISH_PORT": str(proxy_port),
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{proxy_port}",
        "PORTAL_METRICS_TOKEN": token,
        # Sizing for a small CI machine.
        "PORTAL_WORKERS": "2",
        "WORKER_CONCURRENCY": "1",
    }


def _service_hosts(database_url: str, redis_url: str, proxy_port: int) -> dict[str, str]:
    """Compose's service names -> the local servers standing in for them."""
    pg, rd = sa.make_url(database_url), urlsplit(redis_url)
    return {
        "postgres": f"{pg.host}:{pg.port or 5432}",
        "redis": f"{rd.hostname}:{rd.port or 6379}",
        "proxy": f"127.0.0.1:{proxy_port}",
    }


def container_tmp(root: Path, instance: str) -> str:
    folder = root / instance
    folder.mkdir()
    return str(folder)


def _stop_all(processes: list[ServiceProcess]) -> None:
    """TERM then KILL every service group, and anything they started in a session of its own."""
    leftovers = set()
    for process in processes:
        if process.alive():
            leftovers |= descendant_pids(process.process.pid)
    for process in reversed(processes):
        process.stop(grace=20)
    for pid in leftovers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture()
def stack(tmp_path: Path) -> Iterator[Stack]:
    postgres_url()
    redis_url = os.environ.get("PORTAL_TEST_REDIS_URL", "")
    if not redis_url:
        pytest.skip("PORTAL_TEST_REDIS_URL is not set: no Redis answered on 127.0.0.1:6379")
    with contextlib.ExitStack() as cleanup:
        database_url = cleanup.enter_context(fresh_postgres_database())
        cache_db, broker_db = cleanup.enter_context(claimed_redis_databases(redis_url, 2))
        proxy_port, token = free_port(), secrets.token_hex(16)
        dotenv = _dotenv(database_url, cache_db, broker_db, proxy_port, token)
        compose = load(dotenv)
        services = portal_services(compose)
        hosts = _service_hosts(database_url, redis_url, proxy_port)
        volumes = {name: tmp_path / "volumes" / name for name in compose["volumes"]}
        for folder in volumes.values():
            folder.mkdir(parents=True)
        unmounted = (container_paths(services), tmp_path / "not-mounted")
        environments = {name: local_environment(s, hosts, volumes, unmounted) for name, s in services.items()}
        logs = tmp_path / "logs"
        logs.mkdir()
        stack = Stack(
            f"http://127.0.0.1:{proxy_port}",
            tmp_path / "nginx",
            environments["web"]["PORTAL_DATABASE_URL"],
            environments,
            metrics_token=token,
            admin_group=dotenv["PORTAL_ADMIN_GROUPS"].split(",")[0],
            compose=compose,
        )
        assert sa.make_url(stack.database_url).database == sa.make_url(database_url).database
        tmp_root = Path(tempfile.mkdtemp(prefix="portal-topo-"))
        cleanup.callback(shutil.rmtree, tmp_root, ignore_errors=True)
        processes = stack.processes
        cleanup.callback(_stop_all, processes)

        # One-shot services first (the others wait for them to complete), then the documented
        # `docker compose run` steps (the demo models), then every long-running service.
        for name, service in services.items():
            if service.get("restart") == "no":
                run_once(name, command(service), process_environment(environments[name]), logs, 180)
        for name, argv in documented_runs():
            argv = [command(services[name])[0], *argv, "--rows", DEMO_ROWS]
            run_once(name, argv, process_environment(environments[name]), logs, 300)
        proxied = set(compose["services"]["proxy"]["depends_on"]) & set(services)
        for name, service in services.items():
            if service.get("restart") == "no":
                continue
            for replica in range(service.get("deploy", {}).get("replicas", 1)):
                environment = dict(environments[name])
                if name in proxied:
                    environment["PORT"] = str(free_port())
                log_path = logs / f"{name}-{replica + 1}.log"
                instance = f"{name}-{replica + 1}"
                # compose gives each container its own tmpfs /tmp; a short path keeps unix sockets legal.
                environment["TMPDIR"] = container_tmp(tmp_root, instance)
                env = process_environment(environment)
                process = ServiceProcess(instance, command(service), env, log_path)
                processes.append(process.start())
                if name in proxied:
                    stack.webs.append(process)
                else:
                    stack.others[name] = process
        for web in stack.webs:
            stack.wait_ready(web)
        # Header sign-in as the config's comments describe it: an SSO gateway in front names the user
        # (here the test's browser and requests send its headers) and nginx passes its values on.
        # Whatever reaches nginx without them, such as the report renderer, is signed in by nobody.
        identity = {name: f"$http_{name.lower().replace('-', '_')}" for name in stack.as_user()}
        ports = [int(web.env["PORT"]) for web in stack.webs]
        cleanup.enter_context(running_nginx(ports, proxy_port, stack.nginx_folder, identity))
        worker = stack.others["worker"]
        wait_until(lambda: " ready." in worker.log(), 120, "the Celery worker to be ready", worker)
        yield stack


def open_page(page, url: str, problems) -> int:
    """Open ``url`` as a user would, reloading once if it fails; how many reloads it took."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(2):
        failures = len(problems.failed_responses)
        response = page.goto(url, wait_until="load") if attempt == 0 else page.reload(wait_until="load")
        try:
            page.wait_for_function(READY, timeout=60000)
        except PlaywrightTimeout:
            continue
        if response is not None and response.status < 400 and len(problems.failed_responses) == failures:
            return attempt
    raise AssertionError(f"{url} still shows an error after one reload: {page.inner_text('body')[:800]}")


def logged_counts(engine: sa.Engine, ids: list[str]) -> dict[str, int]:
    """How many prediction_log rows hold each id."""
    from portal.db.prediction_log import prediction_log

    c = prediction_log.c
    query = (
        sa.select(c.prediction_id, sa.func.count()).where(c.prediction_id.in_(ids)).group_by(c.prediction_id)
    )
    with engine.connect() as connection:
        return dict(connection.execute(query).all())


def logged_versions(engine: sa.Engine, ids: list[str]) -> set[int]:
    """The model versions the log holds for these prediction ids."""
    from portal.db.prediction_log import prediction_log

    c = prediction_log.c
    with engine.connect() as connection:
        return set(connection.execute(sa.select(c.model_version).where(c.prediction_id.in_(ids))).scalars())


def cache_counts(text: str) -> dict[str, float]:
    """The inference cache's hit and miss counters in one replica's /metrics."""
    from prometheus_client.parser import text_string_to_metric_families

    counts = {"hit": 0.0, "miss": 0.0}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "portal_cache_requests_total" and sample.labels["purpose"] == "inference":
                counts[sample.labels["result"]] = counts.get(sample.labels["result"], 0.0) + sample.value
    return counts


def whatif_prediction(page, stack: Stack, problems, record: str) -> tuple[str, int]:
    """Open What-if on a record; the prediction id it shows and the reloads it took."""
    retries = open_page(page, f"{stack.proxy_url}/what-if?model=churn&record={record}", problems)
    shown = page.inner_text(".portal-prediction-id").strip()
    assert re.fullmatch(r"[0-9a-f]{32}", shown), shown
    return shown, retries


def active_version(stack: Stack, web: ServiceProcess) -> int:
    """The version one replica serves, asked directly (a fresh connection, so its next request)."""
    reply = requests.get(
        f"{stack.web_url(web)}/api/v1/models/churn",
        headers={**stack.as_user(), "Connection": "close"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text[:300]
    return reply.json()["active_version"]


def upstreams_of(stack: Stack, rows: list, marker: str) -> set[str]:
    """The replicas that answered requests whose URI holds ``marker`` (the last one nginx tried)."""
    return {upstream.split(", ")[-1] for _, uri, status, upstream in rows if marker in uri and status == 200}


def test_topo001_the_compose_stack_serves_a_whole_session_through_a_killed_replica(
    stack: Stack, tmp_path: Path
) -> None:
    engine = sa.create_engine(stack.database_url)
    addresses = {f"127.0.0.1:{web.env['PORT']}" for web in stack.webs}
    shown: list[str] = []
    assert len(stack.webs) == 2, "compose runs two web replicas"
    a, b = stack.webs
    data_dir = Path(stack.environments["web"]["PORTAL_DATA_DIR"])
    metadata = json.loads((data_dir / "models" / "churn" / "1" / "metadata.json").read_text())
    population = pd.read_parquet(metadata["population"])
    try:
        with chromium_context((1280, 1000)) as context:
            context.set_extra_http_headers(stack.as_user())
            page = context.new_page()
            problems = watch(page)

            # 1. Overview and What-if; the prediction shown is logged exactly once, for the signed-in user.
            assert open_page(page, f"{stack.proxy_url}/overview?model=churn", problems) == 0
            assert page.locator("#overview-distribution .main-svg").count() > 0
            first, retries = whatif_prediction(page, stack, problems, "C0000042")
            assert retries == 0
            shown.append(first)
            assert logged_counts(engine, [first]) == {first: 1}
            with engine.connect() as connection:
                mine = connection.execute(
                    sa.text("SELECT source, count(*) FROM prediction_log WHERE user_name = :u GROUP BY 1"),
                    {"u": USER},
                ).all()
            assert [tuple(row) for row in mine] == [("ui", 1)], "one view, one logged prediction"
            callbacks = upstreams_of(stack, upstream_log(stack.nginx_folder), "/_dash-update-component")
            assert callbacks == addresses, f"one browser session, both replicas answer: {callbacks}"

            # 2. A batch, scored by the Celery worker; one replica is killed while it runs (6.).
            frame = pd.concat([population] * (BATCH_ROWS // len(population)), ignore_index=True)
            upload = tmp_path / "batch.csv"
            frame.to_csv(upload, index=False)
            assert open_page(page, f"{stack.proxy_url}/batch?model=churn", problems) == 0
            with page.expect_file_chooser() as chooser:
                page.click("#batch-pick")
            chooser.value.set_files(str(upload))
            page.wait_for_selector(".portal-batch-verdict", timeout=180000)
            page.click("#batch-score")
            page.wait_for_function(
                f"() => /[1-9][0-9,]* of {BATCH_ROWS:,} rows scored/"
                ".test(document.getElementById('batch-progress-text').innerText)",
                timeout=180000,
            )
            before_kill = len(upstream_log(stack.nginx_folder))
            polls = upstreams_of(stack, upstream_log(stack.nginx_folder), "job=")
            a.kill9()
            progress = []
            deadline = time.monotonic() + 240
            while page.locator(".portal-batch-done").count() == 0:
                assert time.monotonic() < deadline, f"the batch did not finish: {progress}"
                text = page.inner_text("#batch-progress-text")
                if not progress or progress[-1] != text:
                    progress.append(text)
                page.wait_for_timeout(200)
            assert f"{BATCH_ROWS:,} rows scored" in page.inner_text(".portal-batch-done")
            scored = [int(m.replace(",", "")) for t in progress for m in re.findall(r"([\d,]+) of", t)]
            assert scored == sorted(scored), f"the progress bar only moves forward: {progress}"
            after = upstream_log(stack.nginx_folder)[before_kill:]
            polls |= upstreams_of(stack, after, "job=")
            assert polls == addresses, f"polls of one job answered by both replicas: {polls}"
            survivor = f"127.0.0.1:{b.env['PORT']}"
            assert {u.split(", ")[-1] for _, _, s, u in after if s == 200} <= {survivor}
            dead = f"127.0.0.1:{a.env['PORT']}"
            assert any(u.startswith(dead + ", ") for _, _, _, u in after), "nginx failed over at least once"
            jobs = {m for _, uri, _, _ in after for m in re.findall(r"[?&]job=([0-9a-f-]{36})~", uri)}
            worker_log = stack.others["worker"].log()
            assert jobs and all(f"[{job}] succeeded" in worker_log for job in jobs), "the worker scored it"
            href = page.get_attribute("a.portal-batch-download >> nth=0", "href")
            assert problems.all() == [], "the kill cost no failed request"
            result = requests.get(stack.proxy_url + href, headers=stack.as_user(), timeout=120)
            assert result.status_code == 200
            batch_ids = pd.read_csv(io.BytesIO(result.content), usecols=["prediction_id"])["prediction_id"]
            assert len(batch_ids) == BATCH_ROWS and batch_ids.is_unique
            batch_id = href.split("/")[2]
            with engine.connect() as connection:
                logged = connection.execute(
                    sa.text("SELECT prediction_id FROM prediction_log WHERE batch_id = :b"), {"b": batch_id}
                ).scalars()
                assert set(logged) == set(batch_ids), "every scored row is in the log, once"

            # After the kill the user carries on: at most one reload, then no error page.
            assert open_page(page, f"{stack.proxy_url}/overview?model=churn", problems) <= 1
            after_kill, retries = whatif_prediction(page, stack, problems, "C0000042")
            assert retries <= 1
            shown.append(after_kill)

            # compose restarts a killed replica (restart: unless-stopped); the stack is whole again.
            assert stack.compose["services"]["web"]["restart"] in ("always", "unless-stopped")
            a = stack.restart(a)
            stack.wait_ready(a)

            # 3. Feedback on the prediction just shown.
            third, _ = whatif_prediction(page, stack, problems, "C0000099")
            shown.append(third)
            page.click("#whatif-fb-incorrect")
            page.wait_for_selector("#whatif-fb-status .alert-success", timeout=30000)
            assert third in page.inner_text("#whatif-fb-status")
            with engine.connect() as connection:
                feedback = connection.execute(
                    sa.text("SELECT verdict, user_name FROM feedback WHERE prediction_id = :p"), {"p": third}
                ).all()
            assert [tuple(row) for row in feedback] == [("incorrect", USER)]

            # 4. A retrained v2, as an operator would (`docker compose run --rm web models retrain churn`),
            # promoted on Compare: both replicas serve it on their next request.
            web_env = process_environment(stack.environments["web"])
            retrained = run_once("web", [str(PORTAL), "models", "retrain", "churn"], web_env, tmp_path, 300)
            assert "registered churn v2 (inactive)" in retrained
            assert {active_version(stack, web) for web in stack.webs} == {1}
            assert open_page(page, f"{stack.proxy_url}/compare?model=churn&a=1&b=2", problems) == 0
            page.click("#compare-promote")
            page.wait_for_selector("#compare-confirm-yes", timeout=30000)
            page.click("#compare-confirm-yes")
            page.wait_for_selector(".portal-promoted", timeout=30000)
            assert [active_version(stack, web) for web in stack.webs] == [2, 2]

            # 5. Run now: the report renders its pages through the proxy (PORTAL_REPORT_BASE_URL).
            assert open_page(page, f"{stack.proxy_url}/reports", problems) == 0
            row = page.locator("#reports-definitions tr", has_text="revenue-daily")
            row.get_by_role("button", name="Run now").click()
            page.wait_for_selector("#reports-run-status .alert", timeout=30000)
            assert "started" in page.inner_text("#reports-run-status")
            page.wait_for_function(
                "() => /succeeded|failed/.test(document.querySelector('#reports-history').innerText)",
                timeout=180000,
            )
            history = page.inner_text("#reports-history")
            assert "succeeded" in history, history
            output = page.locator("#reports-history a").first.get_attribute("href")
            download = requests.get(stack.proxy_url + output, headers=stack.as_user(), timeout=60)
            assert download.status_code == 200 and download.content.startswith(b"\x89PNG")
            assert any("/embed/overview" in uri for _, uri, _, _ in upstream_log(stack.nginx_folder))
            assert problems.all() == []
            page.close()

        # 7. The cache is shared: computed on one replica, a hit on the other, as /metrics adds up.
        features = [f["name"] for f in metadata["features"]]
        record = json.loads(population[features].iloc[[7]].to_json(orient="records", date_format="iso"))[0]
        numeric = next(name for name in features if isinstance(record[name], float))
        record[numeric] = round(record[numeric] + 0.0137, 4)  # an input nothing has asked for yet
        before = {web.name: cache_counts(stack.metrics(web)) for web in stack.webs}
        for web in (a, b):
            reply = requests.post(
                f"{stack.web_url(web)}/api/v1/models/churn/predict",
                json={"records": [record]},
                headers=stack.as_user(),
                timeout=60,
            )
            assert reply.status_code == 200, reply.text[:500]
            shown.append(reply.json()["predictions"][0]["prediction_id"])
        after = {web.name: cache_counts(stack.metrics(web)) for web in stack.webs}
        delta = {name: {k: after[name][k] - before[name].get(k, 0.0) for k in after[name]} for name in after}
        assert delta[a.name]["miss"] >= 1 and delta[b.name]["hit"] >= 1 and delta[b.name]["miss"] == 0, delta
        assert sum(d["hit"] for d in delta.values()) >= 1, delta
        assert logged_versions(engine, shown[-2:]) == {2}, "both replicas predict with the promoted version"

        # The worker and the scheduler ran alongside: the scheduler is the live instance holding the jobs.
        status = json.loads(
            run_once(
                "scheduler",
                [str(PORTAL), "report", "status"],
                process_environment(stack.environments["scheduler"]),
                tmp_path,
                60,
            )
        )
        scheduler = stack.others["scheduler"]
        assert status["state"] == "running", status
        live = [i for i in status["instances"] if i["live"]]
        assert [(i["pid"], i["role"]) for i in live] == [(scheduler.process.pid, "schedule")], status
        assert all(process.alive() for process in [*stack.webs, *stack.others.values()])

        # Nothing lost, nothing twice: every prediction id the user was shown is one log row.
        assert logged_counts(engine, shown) == dict.fromkeys(shown, 1)
        assert len(set(shown)) == len(shown)
    finally:
        engine.dispose()
