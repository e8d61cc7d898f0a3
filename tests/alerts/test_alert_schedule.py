"""The report scheduler also checks alert rules on their own cron, with the reports' guarantees."""

from __future__ import annotations

import dataclasses
import datetime as dt

from portal.alerts import store
from portal.alerts.rules import AlertRule
from portal.reports.fields import Delivery
from portal.scheduler.jobs import build_scheduler
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


def test_asc001_each_scheduled_rule_is_a_job_that_checks_and_delivers(app) -> None:
    services = services_of(app)
    log_at(app, shifted(reference_rows(app, 150), services.registry.get("churn")), dt.datetime.now(dt.UTC))
    unscheduled = dataclasses.replace(RULE, name="adhoc", schedule=None)
    with webhook_receiver() as hook:
        rule = dataclasses.replace(RULE, deliveries=(Delivery("webhook", hook.url),))
        scheduler = build_scheduler(
            services.settings, services.engine, {}, {"churn-drift": rule, "adhoc": unscheduled}
        )
        [job] = scheduler.get_jobs()
        assert job.id == "alert:churn-drift" and job.max_instances == 1 and job.coalesce is True
        assert str(job.trigger.timezone) == "Europe/Berlin" and "minute='*/10'" in str(job.trigger)
        job.func(*job.args)
        [alert] = store.listed(services.engine, "churn", store.OPEN)
        assert [post["json"]["alert_id"] for post in hook.posts] == [alert.id]
