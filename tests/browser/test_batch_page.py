"""Batch scoring in real Chromium under gunicorn: upload, validation report, background scoring, downloads."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
import requests

from tests.support.browser import watch

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"


def _population(data_dir: Path, rows: int) -> pd.DataFrame:
    metadata = json.loads((data_dir / "models" / "churn" / "1" / "metadata.json").read_text())
    return pd.read_parquet(metadata["population"]).head(rows)


def _upload(page, path: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.click("#batch-pick")
    chooser.value.set_files(str(path))


def test_bat001_upload_validate_score_and_download(
    served, module_data_dir, browser_context, tmp_path
) -> None:
    frame = _population(module_data_dir, 1500)
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served.url}/batch?model=churn", wait_until="networkidle")
    _upload(page, path)
    page.wait_for_selector(".portal-batch-verdict", timeout=30000)
    assert "1,500 rows passed validation" in page.inner_text(".portal-batch-verdict")
    page.click("#batch-score")
    page.wait_for_selector(".portal-batch-done", timeout=60000)
    assert "1,500 rows scored" in page.inner_text(".portal-batch-done")
    page.wait_for_function(READY, timeout=20000)
    assert page.locator("#batch-grid .ag-row").count() > 0
    assert page.locator("#batch-chart .main-svg").count() > 0
    href = page.get_attribute("a.portal-batch-download >> nth=0", "href")
    scored = pd.read_csv(io.BytesIO(requests.get(served.url + href, timeout=30).content))
    assert list(scored.columns[: len(frame.columns)]) == list(frame.columns)
    assert len(scored) == len(frame)
    assert problems.all() == []
    page.goto(f"{served.url}/batches", wait_until="networkidle")
    assert "customers.csv" in page.inner_text("#batches-table")
    page.close()


def test_bat002_bad_file_shows_located_errors_and_a_full_list(
    served, module_data_dir, browser_context, tmp_path
) -> None:
    frame = _population(module_data_dir, 50)
    frame.loc[3, "plan"] = "platinum"
    frame["tenure_months"] = frame["tenure_months"].astype(object)
    frame.loc[7, "tenure_months"] = "twelve"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served.url}/batch?model=churn", wait_until="networkidle")
    _upload(page, path)
    page.wait_for_selector(".portal-batch-verdict", timeout=30000)
    assert "2 error(s) must be fixed" in page.inner_text(".portal-batch-verdict")
    report = page.inner_text("#batch-problems")
    assert "unknown category 'platinum'" in report and "'twelve' is not a number" in report
    assert page.is_disabled("#batch-score")
    href = page.get_attribute(".portal-batch-errors-link", "href")
    listing = pd.read_csv(io.BytesIO(requests.get(served.url + href, timeout=30).content))
    errors = listing[listing["severity"] == "error"]
    assert sorted(zip(errors["row"], errors["column"], strict=True)) == [(4, "plan"), (8, "tenure_months")]
    assert problems.all() == []
    page.close()


def test_bat003_unreadable_file_says_why(served, browser_context, tmp_path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("plan,region\nbasic,nörth\n".encode("latin-1"))
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served.url}/batch?model=churn", wait_until="networkidle")
    _upload(page, path)
    page.wait_for_selector(".portal-batch-verdict", timeout=30000)
    assert "not UTF-8 text" in page.inner_text(".portal-batch-verdict")
    assert problems.all() == []
    page.close()


def test_bat004_cancel_stops_the_job_and_leaves_no_download(
    served, module_data_dir, browser_context, tmp_path
) -> None:
    import sqlalchemy as sa

    from portal.db.batches import batch_jobs
    from portal.db.engine import create_engine

    frame = _population(module_data_dir, 4000)
    big = pd.concat([frame] * 40, ignore_index=True)  # 160,000 rows: several chunks of scoring
    path = tmp_path / "big.csv"
    big.to_csv(path, index=False)
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served.url}/batch?model=churn", wait_until="networkidle")
    _upload(page, path)
    page.wait_for_selector(".portal-batch-verdict", timeout=120000)
    page.click("#batch-score")
    page.wait_for_function(
        "() => /[1-9][0-9,]* of 160,000 rows scored/"
        ".test(document.getElementById('batch-progress-text').innerText)",
        timeout=120000,
    )
    page.click("#batch-cancel")
    page.wait_for_selector(".portal-batch-cancelled", timeout=30000)
    engine = create_engine(f"sqlite:///{module_data_dir / 'portal.db'}")
    with engine.connect() as connection:
        batch_id, status = connection.execute(
            sa.select(batch_jobs.c.batch_id, batch_jobs.c.status)
            .order_by(batch_jobs.c.created_at.desc())
            .limit(1)
        ).one()
    engine.dispose()
    assert status == "cancelled"
    page.wait_for_timeout(3000)  # anything still running would have written by now
    assert page.locator(".portal-batch-done").count() == 0
    assert requests.get(f"{served.url}/batch/{batch_id}/result.csv", timeout=30).status_code == 409
    folder = module_data_dir / "batches" / batch_id
    assert not [p.name for p in folder.iterdir() if p.name.startswith("result")]
    assert problems.all() == []
    page.close()
