"""WCAG 2.1 AA on a filled Alerts page: alerts acknowledged, silenced and muted, for each role.

The shared accessibility test sees the page empty. axe needs its own Chromium with the CSP
bypassed, so it lives in its own module (one Playwright per module).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal.alerts import manage, mute
from tests.alerts.helpers import services_of
from tests.browser.test_accessibility import _violations
from tests.browser.test_alerts_page import GROUPS, portal  # noqa: F401 (the served, seeded portal)
from tests.support.browser import chromium_context

pytestmark = [pytest.mark.browser, pytest.mark.gunicorn, pytest.mark.slow]


@pytest.fixture(scope="module")
def axe_context() -> Iterator[object]:
    with chromium_context((1280, 1000), bypass_csp=True) as context:
        yield context


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_ala001_the_filled_page_has_no_serious_wcag_21_aa_violation(portal, axe_context, role) -> None:  # noqa: F811
    engine = services_of(portal.app).engine
    if not mute.windows(engine):
        manage.acknowledge(engine, portal.alerts["drop"].id, "ana", "on it")
        manage.silence(engine, portal.alerts["drift"].id, "ana", "4h", "deploy")
        window = {"name": "weekends", "weekdays": "sat,sun", "start": "00:00", "end": "24:00"}
        manage.add_window(engine, window, [], "ana")
    page = axe_context.new_page()
    page.set_extra_http_headers({"X-Forwarded-User": "axe", "X-Forwarded-Groups": GROUPS[role]})
    assert _violations(page, portal.url + "/alerts") == []
    assert "weekends" in page.inner_text("#alerts-windows") and "silenced until" in page.inner_text(
        "#alerts-open"
    )
    page.close()
