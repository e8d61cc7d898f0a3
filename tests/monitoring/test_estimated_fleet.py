"""Home's card: this week's estimated headline metric beside the realized one."""

from __future__ import annotations

import datetime as dt

from portal.home import fleet
from tests.conftest import DEMO_HISTORY_END


def test_esf001_card_shows_estimated_accuracy_beside_realized(history_app) -> None:
    services = history_app.server.extensions["portal.services"]
    # Two weeks after the history ends: last rows' week named, realized from its few labels.
    later = DEMO_HISTORY_END + dt.timedelta(days=14)
    with history_app.server.app_context():
        churn = fleet.model_health(services, "churn", DEMO_HISTORY_END - dt.timedelta(hours=1))
        stale = fleet.model_health(services, "churn", later)
        revenue = fleet.model_health(services, "revenue", DEMO_HISTORY_END - dt.timedelta(hours=1))
    item = churn.items["estimated"]
    assert item.headline.startswith("estimated accuracy 0.") and item.headline.endswith("this week")
    assert "rows;" in item.detail and "±0.0" in item.detail
    assert "period=week" in item.link and "source=live" in item.link
    assert "week of 2026-10-27" in stale.items["estimated"].headline
    assert revenue.items["estimated"].headline.startswith("estimated mae ")


def test_esf002_fresh_install_has_no_estimate_yet(app) -> None:
    services = app.server.extensions["portal.services"]
    with app.server.app_context():
        churn = fleet.model_health(services, "churn", dt.datetime.now(dt.UTC))
    assert churn.items["estimated"].headline == "No estimate yet"
    assert not churn.items["estimated"].attention
