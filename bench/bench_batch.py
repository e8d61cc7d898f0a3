"""Batch scoring end to end vs a bare script: a 1,000,000-row CSV parsed, validated, predicted, logged, saved.

Both sides run in their own fresh process so their peak memory (max RSS) can be compared:
- baseline: ``pd.read_csv`` + ``model.predict`` + ``to_csv``;
- portal: the batch job as the page runs it (validation pass with the full error list, chunked
  scoring with probabilities and prediction ids, bulk prediction-log inserts into SQLite, a
  formula-safe CSV and a Parquet result renamed into place).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import ROOT, Result, demo_data_dir

ROWS = int(os.environ.get("BENCH_BATCH_ROWS", "1000000"))
MODEL_ROWS = 20_000


def _csv(data_dir: Path, rows: int) -> Path:
    from models.demo_data import generate_churn_data

    path = data_dir / f"batch-{rows}.csv"
    if not path.exists():
        generate_churn_data(rows, seed=11).to_csv(path, index=False)
    return path


def _child(mode: str, data_dir: Path, csv_path: Path, out_dir: Path) -> dict[str, float]:
    started = time.perf_counter()
    if mode == "baseline":
        import joblib
        import pandas as pd

        version = data_dir / "models" / "churn" / "1"
        features = [f["name"] for f in json.loads((version / "metadata.json").read_text())["features"]]
        model = joblib.load(version / "model.joblib")
        frame = pd.read_csv(csv_path)
        frame["prediction"] = model.predict(frame[features])
        frame.to_csv(out_dir / "baseline.csv", index=False)
    else:
        from portal.app import create_app
        from portal.batch.jobs import score_batch, store_for, validate_upload
        from portal.config import load_settings

        app = create_app(load_settings({"PORTAL_DATA_DIR": str(data_dir), "PORTAL_LOG_LEVEL": "warning"}))
        services = app.server.extensions["portal.services"]
        store = store_for(services)
        batch_id = store.new_id()
        store.folder(batch_id).mkdir(parents=True)
        shutil.copyfile(csv_path, store.folder(batch_id) / "upload.csv")  # what the streamed upload leaves
        store.create(batch_id, csv_path.name, csv_path.stat().st_size, "churn", "bench")
        outcome = validate_upload(services, batch_id, lambda *_: None)
        assert outcome.ok, outcome.message
        outcome = score_batch(services, batch_id, lambda *_: None)
        assert outcome.ok, outcome.message
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _measure(mode: str, data_dir: Path, csv_path: Path) -> dict[str, float]:
    out_dir = Path(tempfile.mkdtemp(prefix="bench-batch-out-"))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_batch", mode, str(data_dir), str(csv_path), str(out_dir)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
        )
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def run() -> list[Result]:
    source = demo_data_dir(MODEL_ROWS)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    shutil.copytree(source, data_dir, dirs_exist_ok=True)
    from portal.db import migrate
    from portal.db.engine import create_engine

    engine = create_engine(f"sqlite:///{data_dir / 'portal.db'}")
    migrate.upgrade(engine)
    engine.dispose()
    csv_path = _csv(data_dir, ROWS)
    baseline = _measure("baseline", data_dir, csv_path)
    portal = _measure("portal", data_dir, csv_path)
    label = f"batch score {ROWS:,}-row CSV"
    return [
        Result(f"{label} end to end", portal["seconds"], baseline["seconds"], "s", False, "<= 1.5"),
        Result(f"{label} peak memory", portal["peak_mb"], baseline["peak_mb"], "MB", False, "<= 2"),
    ]


if __name__ == "__main__":
    from portal.threads import cap_thread_env

    cap_thread_env(1)
    mode, data, csv_file, out = sys.argv[1:5]
    print(json.dumps(_child(mode, Path(data), Path(csv_file), Path(out))))
