"""Shared benchmark machinery: demo data, gunicorn servers, a keep-alive load loop, result lines."""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.threads import cap_thread_env  # noqa: E402

# Baselines run in this process: give them the same single native thread the workers get.
cap_thread_env(1)

from tests.support.servers import GunicornServer, start_gunicorn  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"


@dataclasses.dataclass
class Result:
    """One benchmark line: what was measured, against what, and the ratio (portal / baseline)."""

    name: str
    portal: float
    baseline: float
    unit: str
    higher_is_better: bool
    goal: str = ""

    @property
    def ratio(self) -> float:
        """Portal cost relative to the baseline: 1.0 means as fast; lower is better."""
        if self.higher_is_better:
            return self.baseline / self.portal if self.portal else float("inf")
        return self.portal / self.baseline if self.baseline else float("inf")

    def line(self) -> str:
        return (
            f"{self.name}: portal {self.portal:,.1f} {self.unit}, baseline {self.baseline:,.1f} {self.unit}, "
            f"ratio {self.ratio:.2f} (portal cost / baseline cost){' goal ' + self.goal if self.goal else ''}"
        )


_demo_cache: dict[int, Path] = {}


def demo_data_dir(rows: int) -> Path:
    """A data dir with the demo models built for ``rows`` rows, reused within one bench run."""
    if rows not in _demo_cache:
        from models.demo import build_demo
        from models.registry import ModelRegistry

        root = Path(tempfile.mkdtemp(prefix=f"portal-bench-{rows}-"))
        build_demo(ModelRegistry(root / "models"), root / "datasets", rows=rows, seed=42)
        _migrate(root / "portal.db")
        _demo_cache[rows] = root
    return _demo_cache[rows]


def _migrate(database: Path) -> None:
    from portal.db import migrate

    migrate.upgrade_url(f"sqlite:///{database}")


def portal_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_DATA_DIR=str(data_dir), PORTAL_LOG_LEVEL="warning")
    env.update(extra)
    return env


def serve(env: dict[str, str], app: str | None = None) -> GunicornServer:
    """gunicorn with the project's gunicorn.conf.py; ``app`` overrides the WSGI target."""
    return start_gunicorn(env, extra_args=(app,) if app else ())


def throughput(
    send: Callable[[requests.Session], requests.Response],
    seconds: float = 5.0,
    clients: int = 4,
    warmup_seconds: float = 2.0,
) -> tuple[float, list[float]]:
    """Requests per second over keep-alive sessions, plus per-request latencies in ms.

    A warm-up pass first lets every worker load its model and caches, which is not what we measure.
    """
    if warmup_seconds:
        throughput(send, seconds=warmup_seconds, clients=clients, warmup_seconds=0)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        session = requests.Session()
        local: list[float] = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = send(session)
            local.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                errors.append(f"{response.status_code}: {response.text[:200]}")
                break
        with lock:
            latencies.extend(local)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"benchmark requests failed: {errors[:3]}")
    return len(latencies) / elapsed, latencies


def paired_throughput(
    portal: Callable[[requests.Session], requests.Response],
    baseline: Callable[[requests.Session], requests.Response],
    rounds: int = 4,
    seconds: float = 1.5,
    clients: int = 4,
) -> tuple[float, float]:
    """Requests per second of two servers measured in alternating slices (ABBA order).

    On a shared machine the load from other work drifts over seconds; measuring one side fully
    and then the other folds that drift into the ratio, while interleaved slices give both sides
    the same share of it. Both servers must be up; each is warmed up first.
    """
    for send in (portal, baseline):
        throughput(send, seconds=1.0, clients=clients, warmup_seconds=0)
    totals = {"portal": [0.0, 0.0], "baseline": [0.0, 0.0]}
    for index in range(rounds):
        order = ("portal", "baseline") if index % 2 == 0 else ("baseline", "portal")
        for side in order:
            rps, latencies = throughput(
                portal if side == "portal" else baseline, seconds=seconds, clients=clients, warmup_seconds=0
            )
            totals[side][0] += len(latencies)
            totals[side][1] += len(latencies) / rps if rps else seconds
    return tuple(count / elapsed if elapsed else 0.0 for count, elapsed in totals.values())  # type: ignore[return-value]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def save(results: list[Result]) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = [dataclasses.asdict(r) | {"ratio": r.ratio} for r in results]
    (RESULTS_DIR / "latest.json").write_text(json.dumps(payload, indent=2))
