"""Acknowledging, silencing and muting alerts: held notices, the log saying why, and refused input."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from portal.alerts import manage, mute, store
from portal.alerts.check import check_rule
from portal.alerts.errors import AlertConflict, AlertInputError, AlertNotFound
from portal.alerts.rules import AlertRule
from portal.reports.fields import Delivery
from portal.security import audit
from tests.alerts.helpers import log_at, reference_rows, services_of, shifted
from tests.support.receivers import webhook_receiver

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DRIFT = AlertRule("churn-drift", "Churn drift", "churn", window_days=30, dataset_drift=True)


def drifting(app) -> None:
    record = services_of(app).registry.get("churn")
    log_at(app, shifted(reference_rows(app, 300), record), NOW - dt.timedelta(days=16))


def check(app, rule: AlertRule):
    services = services_of(app)
    return check_rule(
        services.settings, services.engine, services.registry, rule, now=NOW - dt.timedelta(days=15)
    )


def open_alert(engine: sa.Engine, rule: str = "churn-drift") -> store.Alert:
    return store.create(
        engine, rule, "dataset_drift", ("churn", 1), "Dataset drift", {}, "/drift", store.now()
    )


def test_mgt001_acknowledge_records_who_when_and_the_comment_once(app) -> None:
    engine = services_of(app).engine
    alert = open_alert(engine)
    done = manage.acknowledge(engine, alert.id, "ana", "  looking into it ")
    assert (done.acknowledged_by, done.acknowledge_comment) == ("ana", "looking into it")
    assert abs((done.acknowledged_at - store.now()).total_seconds()) < 5
    [entry] = audit.recent(engine)
    assert (entry.actor, entry.action, entry.target) == ("ana", "alert.acknowledge", f"alert {alert.id}")
    assert entry.details["comment"] == "looking into it"
    with pytest.raises(AlertConflict, match="already acknowledged by ana at"):
        manage.acknowledge(engine, alert.id, "bob")
    assert store.get(engine, alert.id).acknowledged_by == "ana"


def test_mgt002_a_silenced_alert_is_recorded_but_not_delivered_until_the_silence_ends(app) -> None:
    drifting(app)
    engine = services_of(app).engine
    alert = open_alert(engine)
    silenced = manage.silence(engine, alert.id, "ana", "4h", "deploy")
    assert silenced.silenced_until - silenced.silenced_at == dt.timedelta(hours=4)
    with webhook_receiver() as hook:
        rule = dataclasses.replace(DRIFT, deliveries=(Delivery("webhook", hook.url),))
        first = check(app, rule)
        assert first.ok and first.raised == [] and first.findings[0].firing is True
        check(app, rule)
        assert hook.posts == [], "no notice while silenced"
        held = store.get(engine, alert.id)
        [entry] = held.deliveries
        until = f"{silenced.silenced_until:%Y-%m-%d %H:%M}"
        assert entry["held"] == f"silenced until {until} UTC by ana: deploy" and entry["ok"] is False
        assert held.status == "open" and store.listed(engine, "churn", store.OPEN) == [held]
        store.update(engine, alert.id, silenced_until=store.now() - dt.timedelta(seconds=1))
        after = check(app, rule)
        assert after.ok and [p["json"]["event"] for p in hook.posts] == ["raised"]
        assert hook.posts[0]["json"]["alert_id"] == alert.id
    assert [entry["action"] for entry in map(vars, audit.recent(engine))] == ["alert.silence"]


def test_mgt003_a_mute_window_holds_notices_of_its_rule_and_deleting_it_lets_them_out(app) -> None:
    drifting(app)
    engine = services_of(app).engine
    everyday = {"weekdays": list(mute.WEEKDAYS), "start": "00:00", "end": "24:00", "timezone": "Europe/Paris"}
    other = manage.add_window(engine, {"name": "other rule", "rule": "other", **everyday}, ["other"], "ana")
    with webhook_receiver() as hook:
        rule = dataclasses.replace(DRIFT, deliveries=(Delivery("webhook", hook.url),))
        window = manage.add_window(engine, {"name": "always", "comment": "quiet", **everyday}, [], "ana")
        assert window.rule is None and window.created_by == "ana"
        check(app, rule)
        assert hook.posts == []
        [alert] = store.listed(engine, "churn", store.OPEN)
        assert alert.deliveries[0]["held"].startswith("muted by window 'always' (mon,tue,wed,thu,fri,sat,sun")
        manage.delete_window(engine, window.id, "bob")
        check(app, rule)
        assert len(hook.posts) == 1, "the window for another rule does not mute this one"
    assert [w.name for w in mute.windows(engine)] == [other.name]
    actions = [(e.actor, e.action, e.target) for e in audit.recent(engine)]
    assert actions[:2] == [("bob", "alert_mute.delete", "always"), ("ana", "alert_mute.create", "always")]


def at(day: str, clock: str, zone: str) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=ZoneInfo(zone))


def window(weekdays: str, start: str, end: str, zone: str) -> mute.MuteWindow:
    days = mute.check_weekdays(weekdays)
    return mute.MuteWindow(1, "w", None, days, start, end, zone, "", "ana", store.now())


def test_mgt004_windows_follow_their_time_zone_weekdays_and_run_past_midnight() -> None:
    weekends = window("sat,sun", "00:00", "24:00", "Europe/Paris")
    # 2026-12-05 is a Saturday; 23:30 UTC on Sunday is already Monday in Paris.
    assert weekends.covers(at("2026-12-05", "00:10", "Europe/Paris"))
    assert weekends.covers(at("2026-12-06", "22:30", "UTC"))
    assert not weekends.covers(at("2026-12-06", "23:30", "UTC"))
    assert not weekends.covers(at("2026-12-04", "23:59", "Europe/Paris"))
    nights = window("friday", "22:00", "06:00", "America/New_York")
    assert nights.covers(at("2026-12-04", "23:00", "America/New_York"))
    assert nights.covers(at("2026-12-05", "05:59", "America/New_York")), "Friday's night ends Saturday"
    assert not nights.covers(at("2026-12-05", "06:00", "America/New_York"))
    assert not nights.covers(at("2026-12-05", "23:00", "America/New_York"))


GOOD_WINDOW = {"name": "weekends", "weekdays": ["sat", "sun"], "start": "00:00", "end": "24:00"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": "25:00"}, "start: expected a time HH:MM from 00:00 to 24:00, not '25:00'"),
        ({"end": "7pm"}, "end: expected a time HH:MM from 00:00 to 24:00, not '7pm'"),
        ({"end": "00:00"}, "end: must differ from start"),
        ({"weekdays": ["sat", "caturday"]}, "weekdays: 'caturday' is not a weekday"),
        ({"weekdays": []}, "weekdays: expected one or more of mon, tue"),
        ({"timezone": "Mars/Olympus"}, "timezone: 'Mars/Olympus' is not an IANA time zone"),
        ({"timezone": ""}, "timezone: expected an IANA time zone"),
        ({"name": ""}, "name: expected 1 to 100 letters"),
        ({"rule": "nosuch"}, "rule: no alert rule named 'nosuch' (rules: churn-drift)"),
        ({"comment": "x" * 501}, "comment: at most 500 characters, not 501"),
        ({"colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_mgt005_a_bad_mute_window_is_refused_with_its_reason_and_nothing_saved(app, change, message) -> None:
    engine = services_of(app).engine
    with pytest.raises(AlertInputError) as refused:
        manage.add_window(engine, {**GOOD_WINDOW, **change}, ["churn-drift"], "ana")
    assert str(refused.value).startswith(message)
    assert mute.windows(engine) == [] and audit.recent(engine) == []


def test_mgt006_a_taken_window_name_or_unknown_window_id_is_refused(app) -> None:
    engine = services_of(app).engine
    manage.add_window(engine, GOOD_WINDOW, [], "ana")
    with pytest.raises(AlertInputError, match="a mute window named 'weekends' already exists"):
        manage.add_window(engine, {**GOOD_WINDOW, "start": "01:00"}, [], "ana")
    with pytest.raises(AlertNotFound, match="no mute window with id 999"):
        manage.delete_window(engine, 999, "ana")
    assert len(mute.windows(engine)) == 1 and len(audit.recent(engine)) == 1


@pytest.mark.parametrize(
    ("action", "message", "exc"),
    [
        (lambda e, a: manage.acknowledge(e, 999, "ana"), "no alert with id 999", AlertNotFound),
        (lambda e, a: manage.silence(e, "x", "ana", "1h"), "no alert with id 'x'", AlertNotFound),
        (lambda e, a: manage.acknowledge(e, a, "ana", "y" * 501), "comment: at most 500 characters", None),
        (lambda e, a: manage.silence(e, a, "ana", "1h", "y" * 501), "comment: at most 500 characters", None),
        (lambda e, a: manage.silence(e, a, "ana", "forever"), "duration: expected a number and a unit", None),
        (lambda e, a: manage.silence(e, a, "ana", "0h"), "duration: from 1m to 30d, not 0h", None),
        (lambda e, a: manage.silence(e, a, "ana", "31d"), "duration: from 1m to 30d, not 31d", None),
        (lambda e, a: manage.silence(e, a, "ana", 3600), "duration: expected a number and a unit", None),
    ],
)
def test_mgt007_bad_acknowledge_or_silence_input_is_refused_and_the_alert_unchanged(
    app, action, message, exc
) -> None:
    engine = services_of(app).engine
    alert = open_alert(engine)
    with pytest.raises(exc or AlertInputError, match=message.replace("(", r"\(")):
        action(engine, alert.id)
    assert store.get(engine, alert.id) == alert and audit.recent(engine) == []


def test_mgt008_a_resolved_alert_cannot_be_acknowledged_or_silenced(app) -> None:
    engine = services_of(app).engine
    alert = store.update(engine, open_alert(engine).id, status=store.RESOLVED, resolved_at=store.now())
    with pytest.raises(
        AlertConflict, match=f"alert {alert.id} is resolved; only open alerts can be acknowledged"
    ):
        manage.acknowledge(engine, alert.id, "ana")
    with pytest.raises(AlertConflict, match="only open alerts can be silenced"):
        manage.silence(engine, alert.id, "ana", "1h")
