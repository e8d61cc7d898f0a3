"""The scheduler also checks alert rules on their own cron, with the reports' guarantees."""

from __future__ import annotations

import dataclasses
import datetime as dt

from portal.alerts import store
from portal.alerts.rules import AlertRule
from portal.reports.fields import Delivery
from portal.scheduler.jobs import alert_job
from portal.scheduler.loop import Scheduler, instance_for
from portal.scheduler.sources import Catalog
from tests.alerts.helpers import log_at, reference_rows, services_of, shifted
from tests.support.receivers import webhook_receiver

RULE = AlertRule(
    "churn-drift",
    "Churn drift",
    "churn",
    dataset_drift=True,
    schedule="*/10 * * * *",
    timezone="Europe/Berlin",
)


class _Rules:
    """A job source holding fixed rules, as a database source of rules would."""

    name = "test rules"
    origin = "test"

    def __init__(self, settings, engine, registry, rules) -> None:
        self.jobs = [alert_job(settings, engine, registry, rule, self.name) for rule in rules]

    def stamp(self):
        return 1

    def load(self):
        return self.jobs


def test_asc001_a_due_scheduled_rule_is_checked_and_delivers(app) -> None:
    services = services_of(app)
    log_at(app, shifted(reference_rows(app, 150), services.registry.get("churn")), dt.datetime.now(dt.UTC))
    with webhook_receiver() as hook:
        rule = dataclasses.replace(RULE, deliveries=(Delivery("webhook", hook.url),))
        source = _Rules(services.settings, services.engine, services.registry, [rule])
        scheduler = Scheduler(services.settings, services.engine, [source], instance_for("tick"))
        try:
            first = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
            assert scheduler.tick(at=first) == [], "a new rule's first check is its next fire"
            [attempt] = [future.result() for future in scheduler.tick(at=first + dt.timedelta(minutes=10))]
        finally:
            scheduler.close()
        assert (attempt.job, attempt.action, attempt.ok) == ("alert:churn-drift", "ran", True)
        [alert] = store.listed(services.engine, "churn", store.OPEN)
        assert [post["json"]["alert_id"] for post in hook.posts] == [alert.id]
        timing = Catalog([source]).refresh().jobs["alert:churn-drift"].timing
        assert timing == ("*/10 * * * *", "Europe/Berlin")
