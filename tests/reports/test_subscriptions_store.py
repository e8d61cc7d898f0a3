"""Subscriptions saved from a page: every class of bad input is refused by name, and nothing is saved."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from portal.config import load_settings
from portal.db.engine import create_engine
from portal.reports import store
from portal.reports.subscriptions import Subscriber, SubscriptionError
from portal.security import audit
from portal.security.roles import Role
from tests.conftest import base_env

PAGES = ["/", "/overview", "/performance", "/drift", "/what-if", "/feedback", "/models"]
ANALYST = Subscriber("ana@example.com", Role.ANALYST)
VIEWER = Subscriber("vera@example.com", Role.VIEWER)
ADMIN = Subscriber("root@example.com", Role.ADMIN)


@pytest.fixture()
def env(data_dir: Path):
    (data_dir / "reports.yaml").write_text(
        yaml.safe_dump({"reports": [{"name": "weekly", "pages": ["/overview"], "schedule": "0 7 * * mon"}]})
    )
    settings = load_settings(
        base_env(
            data_dir,
            PORTAL_REPORTS_FILE=str(data_dir / "reports.yaml"),
            PORTAL_REPORT_RECIPIENT_DOMAINS="example.com",
        )
    )
    engine = create_engine(settings.sqlalchemy_url)
    yield settings, engine
    engine.dispose()


def body(**changes):
    raw = {
        "title": "Churn daily",
        "page": "/overview?model=churn&segment=plan%3Dpro",
        "format": "png",
        "schedule": {"kind": "daily", "time": "07:30"},
        "timezone": "Europe/Berlin",
        "deliveries": [{"kind": "email", "to": "ana@example.com, bo@example.com"}],
    }
    raw.update(changes)
    return raw


def count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM report_subscriptions")).scalar_one()


def refused(env, raw, subscriber=ANALYST) -> str:
    settings, engine = env
    with pytest.raises(SubscriptionError) as caught:
        store.save(settings, engine, PAGES, raw, subscriber, admin_pages=["/reports", "/admin/tokens"])
    assert count(engine) == 0, "a refused subscription must save nothing"
    return str(caught.value)


def test_sub001_valid_subscription_is_stored_audited_and_compiles_its_cron(env) -> None:
    settings, engine = env
    saved = store.save(settings, engine, PAGES, body(), ANALYST)
    assert saved.name == "churn-daily"
    assert saved.schedule == "30 7 * * *" and saved.timezone == "Europe/Berlin"
    assert saved.query == {"model": "churn", "segment": "plan=pro"}
    assert saved.deliveries == ({"kind": "email", "to": ["ana@example.com", "bo@example.com"]},)
    definition = saved.definition()
    assert definition.pages[0].relative_url() == "/overview?model=churn&segment=plan%3Dpro"
    assert definition.role == "analyst"
    entry = audit.recent(engine)[0]
    assert (entry.action, entry.target, entry.actor) == (
        "report.subscription.create",
        "churn-daily",
        "ana@example.com",
    )


def test_sub002_weekly_monthly_and_raw_cron(env) -> None:
    settings, engine = env
    weekly = store.save(
        settings,
        engine,
        PAGES,
        body(title="W", schedule={"kind": "weekly", "day": "Friday", "time": "6:05"}),
        ANALYST,
    )
    monthly = store.save(
        settings,
        engine,
        PAGES,
        body(title="M", schedule={"kind": "monthly", "day": "3", "time": "23:00"}),
        ANALYST,
    )
    raw = store.save(
        settings,
        engine,
        PAGES,
        body(title="C", schedule={"kind": "cron", "cron": "*/15 8-17 * * 1-5"}),
        ANALYST,
    )
    assert (weekly.schedule, monthly.schedule, raw.schedule) == (
        "5 6 * * fri",
        "0 23 3 * *",
        "*/15 8-17 * * 1-5",
    )


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ({"kind": "cron", "cron": "0 7 * *"}, "expected 5 cron fields"),
        ({"kind": "cron", "cron": "61 7 * * *"}, "is not a valid cron expression"),
        ({"kind": "daily", "time": "25:00"}, "expected a time such as 07:30"),
        ({"kind": "weekly", "day": "someday"}, "expected a weekday"),
        ({"kind": "monthly", "day": "31"}, "from 1 to 28"),
        ({"kind": "hourly"}, "expected one of daily, weekly, monthly, cron"),
    ],
)
def test_sub003_bad_schedule_is_refused(env, schedule, expected) -> None:
    assert expected in refused(env, body(schedule=schedule))


def test_sub004_unknown_time_zone_is_refused_by_name(env) -> None:
    message = refused(env, body(timezone="Mars/Olympus"))
    assert "timezone: unknown time zone 'Mars/Olympus'" in message


@pytest.mark.parametrize("address", ["not-an-address", "a@b@c.com", "x@example"])
def test_sub005_bad_address_is_refused_by_name(env, address) -> None:
    message = refused(env, body(deliveries=[{"kind": "email", "to": f"ana@example.com, {address}"}]))
    assert f"{address!r} is not an email address" in message


def test_sub006_recipient_outside_the_allowed_domains_is_named(env) -> None:
    message = refused(env, body(deliveries=[{"kind": "email", "to": "ana@example.com, eve@evil.test"}]))
    assert "eve@evil.test is outside the allowed recipient domains (example.com)" in message


@pytest.mark.parametrize(
    "url", ["ftp://hooks.example.com/x", "file:///etc/passwd", "javascript:alert(1)", "hooks.example.com/x"]
)
def test_sub007_webhook_url_with_an_unreachable_scheme_is_refused(env, url) -> None:
    message = refused(env, body(deliveries=[{"kind": "webhook", "url": url, "style": "slack"}]))
    assert "must be an http:// or https:// URL" in message and url in message


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("/nowhere", "no portal page at '/nowhere'"),
        ("/admin/tokens", "/admin/tokens is an admin page"),
        ("/reports", "/reports is an admin page"),
        ("https://elsewhere.test/overview", "expected a portal page path"),
    ],
)
def test_sub008_page_that_does_not_exist_or_is_for_admins_is_refused(env, page, expected) -> None:
    assert expected in refused(env, body(page=page), subscriber=ADMIN)


def test_sub009_directory_delivery_is_for_admins_only(env) -> None:
    settings, engine = env
    message = refused(env, body(deliveries=[{"kind": "directory", "path": "/tmp/reports"}]))
    assert "only admins may deliver to a directory" in message
    saved = store.save(
        settings, engine, PAGES, body(deliveries=[{"kind": "directory", "path": "/tmp/r"}]), ADMIN
    )
    assert saved.definition().role == "analyst", "an admin's report still renders below admin"


def test_sub010_viewer_subscribes_only_themselves_and_only_viewer_pages(env) -> None:
    settings, engine = env
    others = refused(env, body(deliveries=[{"kind": "email", "to": "bo@example.com"}]), subscriber=VIEWER)
    assert "bo@example.com: viewers may subscribe only themselves" in others
    analyst_page = refused(
        env, body(page="/what-if", deliveries=[{"kind": "email", "to": VIEWER.name}]), subscriber=VIEWER
    )
    assert "/what-if needs the analyst role; you are viewer" in analyst_page
    saved = store.save(
        settings, engine, PAGES, body(deliveries=[{"kind": "email", "to": VIEWER.name}]), VIEWER
    )
    assert saved.definition().role == "viewer"


def test_sub011_names_are_unique_across_the_file_and_the_table(env) -> None:
    settings, engine = env
    message = refused(env, body(title="Weekly"))
    assert "a report named 'weekly' already exists in the reports file" in message
    store.save(settings, engine, PAGES, body(), ANALYST)
    with pytest.raises(SubscriptionError, match="already exists in a subscription"):
        store.save(settings, engine, PAGES, body(), ANALYST)
    assert count(engine) == 1


def test_sub012_every_problem_is_listed_at_once(env) -> None:
    message = refused(env, body(title="", timezone="Nowhere/Zone", deliveries=[]))
    assert "title:" in message and "timezone:" in message and "deliveries:" in message


def test_sub013_pause_resume_delete_are_owner_or_admin_only_and_audited(env) -> None:
    settings, engine = env
    store.save(settings, engine, PAGES, body(), ANALYST)
    with pytest.raises(store.NotFound):
        store.set_paused(engine, "churn-daily", True, Subscriber("someone@example.com", Role.ANALYST))
    assert store.set_paused(engine, "churn-daily", True, ANALYST).paused
    assert not store.set_paused(engine, "churn-daily", False, ADMIN).paused
    assert [s.name for s in store.listing(engine, VIEWER)] == []
    assert [s.name for s in store.listing(engine, ADMIN)] == ["churn-daily"]
    store.delete(engine, "churn-daily", ANALYST)
    assert count(engine) == 0
    actions = [entry.action for entry in audit.recent(engine)]
    assert actions[:4] == [
        "report.subscription.delete",
        "report.subscription.resume",
        "report.subscription.pause",
        "report.subscription.create",
    ]


def test_sub014_edit_keeps_name_and_owner_and_validates_again(env) -> None:
    settings, engine = env
    store.save(settings, engine, PAGES, body(), ANALYST)
    with pytest.raises(SubscriptionError, match="unknown time zone"):
        store.save(settings, engine, PAGES, body(timezone="Bad/Zone"), ANALYST, name="churn-daily")
    assert store.get(engine, "churn-daily").timezone == "Europe/Berlin", "a refused edit changes nothing"
    edited = store.save(
        settings, engine, PAGES, body(title="Renamed", format="pdf"), ADMIN, name="churn-daily"
    )
    assert (edited.name, edited.title, edited.format, edited.owner) == (
        "churn-daily",
        "Renamed",
        "pdf",
        "ana@example.com",
    )
    assert audit.recent(engine)[0].action == "report.subscription.update"


def test_sub015_condition_needs_a_model(env) -> None:
    message = refused(env, body(page="/drift", condition="alert_open"))
    assert "needs a model chosen on the page" in message
    assert "expected nothing or alert_open" in refused(env, body(condition="always"))
