"""Run history in the database, and the download route that serves only recorded files."""

from __future__ import annotations

import pytest

from portal.db import migrate
from portal.db.engine import create_engine
from portal.reports import history


def _stored_run(app, names: list[str], files: dict[str, bytes]) -> int:
    services = app.server.extensions["portal.services"]
    run_id = history.create(services.engine, "weekly", "cli")
    folder = history.runs_dir(services.settings.data_dir) / str(run_id)
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    history.update(services.engine, run_id, status="succeeded", outputs=names)
    return run_id


def test_his001_recorded_file_downloads_as_attachment(app, client) -> None:
    run_id = _stored_run(app, ["weekly-1.png"], {"weekly-1.png": b"\x89PNG fake"})
    response = client.get(f"/reports/runs/{run_id}/files/weekly-1.png")
    assert response.status_code == 200
    assert response.data == b"\x89PNG fake"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.mimetype == "image/png"


@pytest.mark.parametrize(
    "path",
    [
        "/reports/runs/{id}/files/secret.txt",  # on disk but not recorded
        "/reports/runs/{id}/files/..%2F..%2Fportal.db",
        "/reports/runs/{id}/files/%2E%2E",
        "/reports/runs/999999/files/weekly-1.png",
    ],
)
def test_his002_unrecorded_or_traversing_names_are_404(app, client, path) -> None:
    run_id = _stored_run(app, ["weekly-1.png"], {"weekly-1.png": b"png", "secret.txt": b"TOP-SECRET-CONTENT"})
    response = client.get(path.format(id=run_id), headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert b"TOP-SECRET-CONTENT" not in response.data and b"SQLite" not in response.data


def test_his003_a_tampered_row_cannot_reach_outside_the_run_folder(app, client) -> None:
    run_id = _stored_run(app, ["../../../portal.db", ".."], {})
    for name in ("..", "..%2F..%2F..%2Fportal.db"):
        assert client.get(f"/reports/runs/{run_id}/files/{name}").status_code == 404


@pytest.mark.postgres
def test_his004_history_on_postgres(postgres_database_url: str) -> None:
    engine = create_engine(postgres_database_url)
    try:
        migrate.upgrade(engine)
        run_id = history.create(engine, "weekly", "page", status="queued")
        history.update(engine, run_id, status="succeeded", outputs=["a.pdf"], deliveries=[{"ok": True}])
        run = history.get(engine, run_id)
        assert run.status == "succeeded" and run.outputs == ["a.pdf"] and run.started_at.tzinfo is not None
        assert [r.id for r in history.recent(engine, report="weekly")] == [run_id]
        migrate.downgrade(engine, "0001_baseline")
        assert migrate.current_revision(engine) == "0001_baseline"
    finally:
        engine.dispose()
