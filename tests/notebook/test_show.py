"""``portal.notebook.show`` and ``url``: arguments checked like page URLs, and the app they serve.

The inline server itself runs only inside a kernel; tests/notebook/test_example_notebook.py runs
one. Here: every class of bad argument, the refusal outside a kernel, and the app ``show`` would
serve (built, not served), over a test client.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from threadpoolctl import threadpool_info, threadpool_limits

from portal.db import migrate
from portal.notebook import NotebookError, show, url
from portal.notebook.embedded import NOTEBOOK_FRAME_ANCESTORS, EmbeddedPortal, notebook_settings

PORT = 8123


@pytest.fixture()
def notebook_dir(data_dir: Path, tmp_path: Path) -> Path:
    """A notebook's data dir holding the demo models (and no database yet)."""
    target = tmp_path / "notebook"
    shutil.copytree(data_dir / "models", target / "models")
    return target


BAD = [
    (
        "unknown page",
        ("/nope",),
        {},
        "unknown page '/nope'; choose one of /, /overview, /what-if, /performance",
    ),
    ("page not a string", (42,), {}, "page must be one of /, /overview"),
    ("embed copy of a page", ("/embed/overview",), {}, "unknown page '/embed/overview'"),
    (
        "unknown model",
        ("/what-if",),
        {"model": "nope"},
        "model 'nope' is not registered (registered: churn, revenue)",
    ),
    (
        "value not text or number",
        ("/what-if",),
        {"model": ["churn"]},
        "query value of 'model' must be a string or number",
    ),
    (
        "control characters",
        ("/overview",),
        {"segment": "plan\n"},
        "query value of 'segment' is too long or has control",
    ),
    (
        "bad parameter name",
        ("/what-if",),
        {"query": {"f tenure": 1}},
        "query parameter name 'f tenure' is not a plain name",
    ),
    ("the embed token", ("/overview",), {"token": "abc"}, "query cannot set 'token'"),
    (
        "query not a mapping",
        ("/what-if",),
        {"query": "model=churn"},
        "query must be a mapping of names to values",
    ),
    (
        "same name twice",
        ("/what-if",),
        {"model": "churn", "query": {"model": "revenue"}},
        "query parameter model given twice",
    ),
    ("height not pixels", ("/",), {"height": "tall"}, "height must be a number of pixels from 1 to 20000"),
    ("height zero", ("/",), {"height": 0}, "height must be a number of pixels"),
    ("width not css", ("/",), {"width": "100%;x:y"}, "width must be a number of pixels or a CSS width"),
    ("bad data_dir", ("/",), {"data_dir": 3.5}, "data_dir must be a folder path, not 3.5"),
]


@pytest.mark.parametrize(("label", "args", "kwargs", "message"), BAD, ids=[case[0] for case in BAD])
def test_nbs001_bad_arguments_are_named_before_anything_starts(
    notebook_dir, label, args, kwargs, message
) -> None:
    kwargs.setdefault("data_dir", notebook_dir)
    with pytest.raises(NotebookError) as raised:
        show(*args, **kwargs)
    assert message in str(raised.value)
    # Nothing was started or migrated for a call that could not succeed.
    assert not (notebook_dir / "portal.db").exists()


def test_nbs002_outside_a_kernel_it_says_where_it_works(notebook_dir) -> None:
    for call in (show, url):
        with pytest.raises(
            NotebookError, match=r"inside a Jupyter kernel, and none is running here"
        ) as raised:
            call("/what-if", model="churn", data_dir=notebook_dir)
        assert "PORTAL_DATA_DIR=<data dir> portal serve" in str(raised.value)


def test_nbs003_settings_ignore_the_kernels_portal_variables(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql+psycopg://prod@db.example/portal")
    monkeypatch.setenv("PORTAL_CACHE_URL", "redis://cache.example:6379/0")
    monkeypatch.setenv("PORTAL_AUTH", "oidc")
    monkeypatch.setenv("HOST", "0.0.0.0")
    settings = notebook_settings(tmp_path, PORT)
    assert (settings.database_url, settings.cache_url, settings.celery_broker_url) == ("", "", "")
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'portal.db'}"
    assert (settings.auth, settings.host, settings.port) == ("none", "127.0.0.1", PORT)
    assert settings.models_path == tmp_path / "models"
    assert settings.secret_key != "dev-only-not-secret" and len(settings.secret_key) >= 32


@pytest.fixture()
def served_app(notebook_dir: Path):
    app = EmbeddedPortal(notebook_dir).build_app(PORT)
    yield app
    app.server.extensions["portal.services"].prediction_log.stop()


def test_nbs004_the_app_is_migrated_and_answers_on_loopback_names(served_app, notebook_dir) -> None:
    engine = sa.create_engine(f"sqlite:///{notebook_dir / 'portal.db'}")
    try:
        assert migrate.status(engine).up_to_date
    finally:
        engine.dispose()
    client = served_app.server.test_client()
    for host in ("127.0.0.1", "localhost", "[::1]"):
        response = client.get("/what-if?model=churn", headers={"Host": f"{host}:{PORT}"})
        assert response.status_code == 200, host
        assert 'property="og:title" content="What-if explorer"' in response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors {' '.join(NOTEBOOK_FRAME_ANCESTORS)}" in policy
    assert "https://" not in policy.replace("https://127.0.0.1:*", "").replace("https://localhost:*", "")


def test_nbs005_other_host_names_are_refused_before_anything_runs(served_app) -> None:
    client = served_app.server.test_client()
    for host in (f"rebound.example:{PORT}", "127.0.0.1:9999", "127.0.0.1"):
        for path in ("/what-if?model=churn", "/api/v1/models", "/_dash-layout"):
            response = client.get(path, headers={"Host": host})
            assert response.status_code == 403, (host, path)
            assert f"answers only at http://127.0.0.1:{PORT}" in response.get_data(as_text=True)
    body = {"records": [{"tenure_months": 3}]}
    refused = client.post(
        "/api/v1/models/churn/predict", json=body, headers={"Host": f"rebound.example:{PORT}"}
    )
    assert refused.status_code == 403


def test_nbs006_each_request_thread_caps_its_native_pools(served_app) -> None:
    """A fresh thread with wide pools (as in a kernel that imported numpy first) is capped by the request."""
    seen: dict[str, object] = {}

    def request_thread() -> None:
        with threadpool_limits(limits=2):
            # OpenMP's limit is the thread's own; BLAS's is the process's, and OpenBLAS may refuse
            # to grow past the size it started with, so the thread's OpenMP pool is the witness.
            before = {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "openmp"}
            with served_app.server.test_request_context("/", base_url=f"http://127.0.0.1:{PORT}"):
                seen["refusal"] = served_app.server.preprocess_request()
                seen["during"] = {pool["num_threads"] for pool in threadpool_info()}
            seen["before"] = before

    thread = threading.Thread(target=request_thread)
    thread.start()
    thread.join()
    assert seen["refusal"] is None
    assert seen["before"] == {2}
    assert seen["during"] == {1}
