"""The overview page in real Chromium: URL state, KPIs, and a grid paged and filtered on the server."""

from __future__ import annotations

import json

import pytest

from tests.support.browser import watch

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"
GRID_ROWS = "#overview-grid .ag-center-cols-container .ag-row"
MAX_RESPONSE_BYTES = 2_000_000


def _callback_traffic(page) -> list:
    responses: list = []
    page.on("response", lambda r: responses.append(r) if "/_dash-update-component" in r.url else None)
    return responses


def _grid_payloads(responses: list) -> list[tuple[dict, dict, int]]:
    """(request body, getRowsResponse, response bytes) of every grid row request seen so far."""
    found = []
    for response in responses:
        body = response.body()
        request = json.loads(response.request.post_data or "{}")
        if "getRowsResponse" not in json.dumps(request.get("output", "")):
            continue
        data = json.loads(body)
        found.append((request, data["response"]["overview-grid"]["getRowsResponse"], len(body)))
    return found


def _first_cell(page, column: str) -> object:
    """The value the grid holds for row 0 (columns off screen are not in the DOM)."""
    page.wait_for_function(
        "() => { const n = dash_ag_grid.getApi('overview-grid').getDisplayedRowAtIndex(0);"
        " return !!(n && n.data); }",
        timeout=20000,
    )
    script = f"() => dash_ag_grid.getApi('overview-grid').getDisplayedRowAtIndex(0).data[{column!r}]"
    return page.evaluate(script)


def test_ovw001_segment_round_trips_through_the_url(served, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(served.url + "/overview?model=churn", wait_until="networkidle")
    page.wait_for_function(READY, timeout=30000)
    page.wait_for_selector(GRID_ROWS, timeout=20000)
    kpis = page.inner_text("#overview-kpis")
    assert "Scored population" in kpis and "4,000" in kpis
    assert "pp" in page.inner_text("#overview-kpi-change")
    page.locator("#overview-segment").click()
    page.get_by_role("option", name="region").click()
    page.wait_for_function("() => window.location.search.includes('segment=region')", timeout=10000)
    page.wait_for_function(READY, timeout=20000)
    assert "by region" in page.inner_text("#overview-by-segment")
    url = page.url
    assert "model=churn" in url
    page.goto(url, wait_until="networkidle")
    page.wait_for_function(READY, timeout=20000)
    assert "region" in page.inner_text("#overview-segment")
    assert page.inner_text("#overview-kpis") == kpis
    assert "by region" in page.inner_text("#overview-by-segment")
    assert (
        page.locator("#overview-distribution .modebar-btn[data-title='Download plot as a PNG']").count() == 1
    )
    assert problems.all() == []
    page.close()


def test_ovw002_grid_pages_filters_and_sorts_on_the_server(served, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    traffic = _callback_traffic(page)
    page.goto(served.url + "/overview?model=churn&segment=plan", wait_until="networkidle")
    page.wait_for_function(READY, timeout=30000)
    page.wait_for_selector(GRID_ROWS, timeout=20000)
    first = _grid_payloads(traffic)
    assert first and first[0][0]["inputs"][0]["value"]["startRow"] == 0
    assert all(len(r["rowData"]) <= 100 and r["rowCount"] == 4000 for _, r, _ in first)

    # Scrolling far down asks the server for a later block only.
    page.evaluate("() => dash_ag_grid.getApi('overview-grid').ensureIndexVisible(1500, 'top')")
    page.wait_for_selector(f"{GRID_ROWS}[row-index='1500']", timeout=20000)
    starts = [req["inputs"][0]["value"]["startRow"] for req, _, _ in _grid_payloads(traffic)]
    assert max(starts) >= 1400

    # A filter through the grid API is applied by the server: fewer rows, all matching.
    page.evaluate(
        """() => dash_ag_grid.getApi('overview-grid').setFilterModel(
            {plan: {filterType: 'text', type: 'equals', filter: 'basic'},
             tenure_months: {filterType: 'number', type: 'greaterThan', filter: 24}})"""
    )
    page.wait_for_function(
        "() => document.querySelector('#overview-download').innerText.includes('of 4,000 rows match')",
        timeout=20000,
    )
    page.evaluate("() => dash_ag_grid.getApi('overview-grid').ensureIndexVisible(0, 'top')")
    page.wait_for_selector(f"{GRID_ROWS}[row-index='0']", timeout=20000)
    filtered = _grid_payloads(traffic)[-1][1]
    assert 0 < filtered["rowCount"] < 4000
    assert all(row["plan"] == "basic" and row["tenure_months"] > 24 for row in filtered["rowData"])
    assert _first_cell(page, "plan") == "basic"

    # Sorting too; and the export link carries the grid's filter and sort.
    page.evaluate(
        """() => dash_ag_grid.getApi('overview-grid').applyColumnState(
            {state: [{colId: 'probability', sort: 'desc'}], defaultState: {sort: null}})"""
    )
    page.wait_for_function(
        "() => document.querySelector('#overview-export').href.includes('sort=')", timeout=20000
    )
    page.wait_for_function(READY, timeout=20000)
    sorted_rows = _grid_payloads(traffic)[-1][1]["rowData"]
    values = [row["probability"] for row in sorted_rows]
    assert values == sorted(values, reverse=True)
    href = page.locator("#overview-export").get_attribute("href")
    assert href.startswith("/export/overview.csv?model=churn") and "filter=" in href
    csv = page.request.get(served.url + href)
    assert csv.status == 200
    assert len(csv.text().strip().splitlines()) == filtered["rowCount"] + 1

    # Every callback response stayed small, and the whole frame was never sent.
    sizes = [len(r.body()) for r in traffic]
    assert sizes and max(sizes) < MAX_RESPONSE_BYTES
    assert max(size for _, _, size in _grid_payloads(traffic)) < 100_000
    assert problems.all() == []
    page.close()


def test_ovw003_switching_to_a_regressor_without_reload(served, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(served.url + "/overview?model=churn", wait_until="networkidle")
    page.wait_for_function(READY, timeout=30000)
    page.wait_for_selector(GRID_ROWS, timeout=20000)
    page.locator("#overview-model").click()
    page.get_by_role("option", name="revenue").click()
    page.wait_for_function("() => window.location.search.includes('model=revenue')", timeout=10000)
    page.wait_for_function(
        "() => !document.querySelector('#overview-grid [col-id=\"probability\"]')", timeout=20000
    )
    page.wait_for_function(READY, timeout=30000)
    page.wait_for_selector(GRID_ROWS, timeout=20000)
    assert "Mean prediction" in page.inner_text("#overview-kpis")
    assert "model=revenue" in page.locator("#overview-export").get_attribute("href")
    assert isinstance(_first_cell(page, "prediction"), float | int)
    assert problems.all() == []
    page.close()
