"""The README's render-complete example, read from the README and run in Chromium against gunicorn.

The portal's CSP has no 'unsafe-eval', so an example that waits on an expression string fails for
everyone who copies it; running the README's own lines keeps the documented form working.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.support.browser import watch
from tests.support.servers import PROJECT_ROOT

SECTION = "### Render-complete signal (a contract)"
PAGE = "/overview?model=churn&segment=plan"


def readme_snippet() -> list[str]:
    """The statements of the first ```python block of the README's render-complete section."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start)
    section = text[start : end if end != -1 else len(text)]
    block = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert block, f"the README section {SECTION!r} has no ```python example"
    return [
        line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def test_rdm001_the_readme_example_is_what_this_test_runs() -> None:
    lines = readme_snippet()
    assert lines, "the README example has no statement"
    assert all(line.startswith("page.wait_for_") for line in lines), lines


@pytest.mark.parametrize("line", readme_snippet())
def test_rdm002_each_readme_wait_sees_the_page_ready_under_the_csp(served, browser_context, line) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    try:
        page.goto(served.url + PAGE, wait_until="domcontentloaded")
        exec(compile(line, "README.md", "exec"), {"page": page})  # the README's own line, verbatim
        assert page.get_attribute("body", "data-portal-ready") == "true"
        assert page.locator(".js-plotly-plot").count() > 0, "the wait returned before the charts drew"
        assert problems.all() == []
    finally:
        page.close()


def test_rdm003_the_expression_form_the_readme_warns_about_fails_under_the_csp(
    served, browser_context
) -> None:
    """The control: the bare expression really is refused, so rdm002 would catch a README using it.

    Playwright answers a first check that is already true without eval, so this waits from the moment
    the page's response arrives, long before its callbacks have run.
    """
    page = browser_context.new_page()
    try:
        page.goto(served.url + PAGE, wait_until="commit")
        with pytest.raises(PlaywrightError, match="unsafe-eval"):
            page.wait_for_function("document.body.dataset.portalReady === 'true'", timeout=5000)
    finally:
        page.close()
