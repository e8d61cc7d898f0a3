"""In real Chromium: values from uploaded files and model metadata are text everywhere, never markup."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from tests.conftest import base_env
from tests.support.browser import watch
from tests.support.servers import start_gunicorn

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"
PAYLOADS = [
    "<script>alert('xss1')</script>",
    "<img src=x onerror=alert('xss2')>",
    "javascript:alert('xss3')",
    "&lt;script&gt;alert('xss4')&lt;/script&gt;",
    "&#x3C;img src=x onerror=alert(&#39;xss5&#39;)&#x3E;",
    "<svg/onload=alert('xss6')>",
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, demo_models_dir):
    """A portal whose churn metadata lists hostile categories (and a hostile description)."""
    target = tmp_path_factory.mktemp("xss") / "var"
    shutil.copytree(demo_models_dir, target)
    meta_path = target / "models" / "churn" / "1" / "metadata.json"
    metadata = json.loads(meta_path.read_text())
    for feature in metadata["features"]:
        if feature["name"] == "plan":
            feature["categories"] = [*feature["categories"], *PAYLOADS]
    metadata["description"] = PAYLOADS[1] + " " + PAYLOADS[2]
    meta_path.write_text(json.dumps(metadata))
    server = start_gunicorn(base_env(target, PORTAL_WORKERS="1"))
    try:
        yield server, target
    finally:
        server.stop()


def _no_script_ran(page, dialogs: list[str]) -> None:
    assert dialogs == []
    assert page.evaluate("() => document.querySelectorAll('a[href^=\"javascript:\" i]').length") == 0
    assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"], svg[onload]').length") == 0


@pytest.mark.parametrize("path", ["/models?model=churn", "/what-if?model=churn"])
def test_xss001_model_metadata_shows_as_text(hostile, browser_context, path) -> None:
    server, _ = hostile
    page = browser_context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    problems = watch(page)
    page.goto(server.url + path, wait_until="networkidle")
    page.wait_for_function(READY, timeout=20000)
    if path.startswith("/what-if"):
        plan = page.locator('[id*=\'"feature":"plan"\']').first
        plan.click()
        page.keyboard.type("xss")
        page.wait_for_timeout(300)
    text = page.inner_text("body")
    assert "alert('xss" in text, "the hostile values are shown, as text"
    _no_script_ran(page, dialogs)
    assert problems.all() == []
    page.close()


def test_xss002_uploaded_values_and_headers_show_as_text(hostile, browser_context, tmp_path) -> None:
    server, target = hostile
    metadata = json.loads((target / "models" / "churn" / "1" / "metadata.json").read_text())
    frame = pd.read_parquet(metadata["population"]).head(len(PAYLOADS))
    frame["plan"] = [payload + "-unknown" for payload in PAYLOADS]
    frame[PAYLOADS[1]] = PAYLOADS
    path = tmp_path / "hostile.csv"
    frame.to_csv(path, index=False)
    page = browser_context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    problems = watch(page)
    page.goto(server.url + "/batch?model=churn", wait_until="networkidle")
    with page.expect_file_chooser() as chooser:
        page.click("#batch-pick")
    chooser.value.set_files(str(path))
    page.wait_for_selector(".portal-batch-verdict", timeout=30000)
    report = page.inner_text("#batch-problems")
    assert "<script>alert('xss1')</script>-unknown" in report
    assert "&#x3C;img src=x" in report
    _no_script_ran(page, dialogs)
    page.goto(server.url + "/batches", wait_until="networkidle")
    page.wait_for_function(READY, timeout=20000)
    _no_script_ran(page, dialogs)
    assert problems.all() == []
    page.close()
