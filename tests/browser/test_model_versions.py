"""Pinning a model version from the URL on Overview and What-if, with a second, inactive churn version."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests

from tests.conftest import base_env
from tests.support.browser import watch
from tests.support.servers import GunicornServer, start_gunicorn

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"
CUSTOMER = "C0000042"


@pytest.fixture(scope="module")
def two_versions_dir(tmp_path_factory: pytest.TempPathFactory, demo_models_dir: Path) -> Path:
    """The demo plus churn v2: a shallower model on the same data, registered but not active."""
    from models import demo_models
    from models.registry import ModelRegistry
    from models.training import register_fitted

    target = tmp_path_factory.mktemp("versions") / "var"
    shutil.copytree(demo_models_dir, target)
    registry = ModelRegistry(target / "models")
    v1 = registry.get("churn", 1)
    reference = registry.reference("churn", 1)
    pipeline = demo_models.build_classifier()
    pipeline.set_params(model__max_depth=2, model__max_iter=20)
    pipeline.fit(reference[v1.feature_names], reference[v1.target])
    keep = {k: v1.metadata[k] for k in ("id_column", "time_column", "population")}
    register_fitted(registry, "churn", pipeline, reference, v1.target, activate=False, extra=keep)
    return target


@pytest.fixture(scope="module")
def served_versions(two_versions_dir: Path) -> Iterator[GunicornServer]:
    server = start_gunicorn(base_env(two_versions_dir, PORTAL_WORKERS="2"))
    try:
        yield server
    finally:
        server.stop()


def _api_probability(server: GunicornServer, data_dir: Path, version: int) -> str:
    metadata = json.loads((data_dir / "models" / "churn" / "1" / "metadata.json").read_text())
    features = [f["name"] for f in metadata["features"]]
    frame = pd.read_parquet(metadata["population"])
    record = json.loads(
        frame[frame["customer_id"] == CUSTOMER][features].to_json(orient="records", date_format="iso")
    )[0]
    body = requests.post(
        f"{server.url}/api/v1/models/churn/predict",
        json={"records": [record], "version": version},
        timeout=30,
    ).json()
    assert body["version"] == version
    return f"{max(body['predictions'][0]['probabilities'].values()):.1%}"


def test_ver001_overview_pins_a_version_and_reload_restores_it(served_versions, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served_versions.url}/overview?model=churn", wait_until="networkidle")
    page.wait_for_function(READY, timeout=30000)
    assert "churn v1" in page.inner_text("#overview-kpi-rows")
    active_kpis = page.inner_text("#overview-kpis")
    page.locator("#overview-version").click()
    page.get_by_role("option", name="v2").click()
    page.wait_for_function("() => window.location.search.includes('version=2')", timeout=10000)
    page.wait_for_function(
        "() => document.querySelector('#overview-kpi-rows').innerText.includes('churn v2')", timeout=30000
    )
    page.wait_for_function(READY, timeout=30000)
    pinned_kpis = page.inner_text("#overview-kpis")
    assert pinned_kpis != active_kpis, "a different model must give different KPI numbers"
    assert "version=2" in page.get_attribute("#overview-export", "href")
    page.goto(page.url, wait_until="networkidle")
    page.wait_for_function(READY, timeout=30000)
    assert page.inner_text("#overview-kpis") == pinned_kpis
    assert "v2" in page.inner_text("#overview-version")
    assert problems.all() == []
    page.close()


def test_ver002_what_if_on_a_pinned_version_matches_the_api(
    served_versions, two_versions_dir, browser_context
) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(
        f"{served_versions.url}/what-if?model=churn&version=2&record={CUSTOMER}", wait_until="networkidle"
    )
    page.wait_for_function(READY, timeout=30000)
    shown = page.inner_text(".portal-whatif-result")
    assert "v2" in shown
    probability = re.search(r"with probability ([\d.]+%)", shown).group(1)
    assert probability == _api_probability(served_versions, two_versions_dir, 2)
    assert probability != _api_probability(served_versions, two_versions_dir, 1)
    # Clearing the version follows the active one again, and the URL drops the pin.
    page.locator("#whatif-version a.dash-dropdown-clear").click()
    page.wait_for_function("() => !window.location.search.includes('version=')", timeout=10000)
    page.wait_for_function(
        "() => document.querySelector('.portal-whatif-result').innerText.includes('v1')", timeout=30000
    )
    assert problems.all() == []
    page.close()
