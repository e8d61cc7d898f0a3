"""The Alerts page's view and actions, through Dash's callback endpoint with header sign-in.

Each action must go through portal.alerts.manage (audited), need an analyst, and answer bad input
with the manager's message and nothing saved.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from portal.alerts import board, manage, mute, store
from portal.app import create_app
from portal.security import audit
from tests.alerts.helpers import services_of
from tests.security.conftest import HEADER_ENV, as_role
from tests.support.dash_requests import outputs_of, router_request

RULES_FILE = """
alerts:
  - name: churn-drift
    title: Churn drift watch
    model: churn
    window: 7d
    min_rows: 150
    dataset_drift: true
    performance_drop: {metric: roc_auc, by: 0.05}
"""
SAME_ORIGIN = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}


@pytest.fixture()
def page_app(make_settings, data_dir: Path):
    rules = data_dir / "reports.yaml"
    rules.write_text(RULES_FILE)
    app = create_app(make_settings(**HEADER_ENV, PORTAL_REPORTS_FILE=str(rules)))
    yield app
    services_of(app).prediction_log.stop()


def raise_alert(engine, rule: str = "churn-drift", kind: str = "dataset_drift", model: str = "churn"):
    return store.create(
        engine,
        rule,
        kind,
        (model, 1),
        f"Dataset drift on {model} v1: 5 of 9 features drifted",
        {},
        f"/drift?model={model}&window=7d",
        store.now(),
    )


def key_with(app, *parts: str) -> str:
    [key] = [k for k in app.callback_map if all(part in k for part in parts)]
    return key


def post(app, role: str, key: str, inputs: list, state: list, user: str = ""):
    body = {
        "output": key,
        "outputs": outputs_of(key),
        "inputs": inputs,
        "state": state,
        "changedPropIds": [f"{inputs[0]['id']}.n_clicks"],
    }
    identity = as_role(role, user)
    return app.server.test_client().post(
        "/_dash-update-component",
        json=body,
        headers={**SAME_ORIGIN, **identity["headers"]},
        environ_base=identity["environ_base"],
    )


def value(item_id: str, prop: str, data) -> dict:
    return {"id": item_id, "property": prop, "value": data}


def confirm(app, role: str, target, duration="1h", other=None, comment=None, user: str = "ana"):
    key = key_with(app, "alerts-status.children", "alerts-modal-feedback")
    state = [
        value("alerts-target", "data", target),
        value("alerts-duration", "value", duration),
        value("alerts-duration-other", "value", other),
        value("alerts-comment", "value", comment),
        value("alerts-model", "value", None),
    ]
    return post(app, role, key, [value("alerts-confirm", "n_clicks", 1)], state, user)


def add_window(app, role: str, user: str = "ana", **fields):
    form = {
        "name": "weekends",
        "rule": "",
        "days": ["sat", "sun"],
        "start": "00:00",
        "end": "24:00",
        "timezone": "Europe/Paris",
        "comment": "nobody on call",
        **fields,
    }
    key = key_with(app, "alerts-window-status.children")
    inputs = [value("alerts-window-add", "n_clicks", 1), []]
    state = [
        value(f"alerts-window-{name}", "value", form[field])
        for name, field in (
            ("name", "name"),
            ("rule", "rule"),
            ("days", "days"),
            ("start", "start"),
            ("end", "end"),
            ("timezone", "timezone"),
            ("comment", "comment"),
        )
    ] + [value("alerts-model", "value", None)]
    return post(app, role, key, inputs, state, user)


def text_of(reply) -> str:
    assert reply.status_code == 200, reply.get_data(as_text=True)[:500]
    return json.dumps(reply.get_json()["response"])


def page_layout(app, role: str) -> str:
    identity = as_role(role)
    reply = app.server.test_client().post(
        "/_dash-update-component",
        json=router_request("/alerts"),
        headers={**SAME_ORIGIN, **identity["headers"]},
        environ_base=identity["environ_base"],
    )
    return text_of(reply)


def test_apg001_the_board_lists_open_and_resolved_alerts_with_rule_hold_and_totals(page_app) -> None:
    services = services_of(page_app)
    engine = services.engine
    first, second, third = (
        raise_alert(engine),
        raise_alert(engine, kind="performance_drop"),
        raise_alert(engine, "gone"),
    )
    store.update(engine, third.id, status=store.RESOLVED, resolved_at=store.now())
    manage.silence(engine, second.id, "ana", "4h", "deploy")
    found = board.board(services.settings, engine, open_limit=1)
    assert (found.open_total, found.resolved_total) == (2, 1)
    assert [view.alert.id for view in found.open] == [second.id], "newest first, capped"
    assert found.open[0].held.startswith("silenced until") and found.open[0].held.endswith("by ana: deploy")
    assert found.open[0].rule.title == "Churn drift watch"
    assert found.resolved[0].rule is None and found.resolved[0].held is None
    assert board.watches(found.open[0].rule) == (
        "dataset drift and roc_auc worse than reference by more than 0.05 "
        "of churn over 7d (at least 150 rows)"
    )
    manage.add_window(
        engine,
        {"name": "always", "weekdays": "mon,tue,wed,thu,fri,sat,sun", "start": "00:00", "end": "24:00"},
        [],
        "ana",
    )
    other = board.board(services.settings, engine, model="revenue")
    assert (other.open, other.resolved, other.open_total, other.resolved_total) == ([], [], 0, 0)
    [muted] = board.board(services.settings, engine).open[1:]
    assert muted.alert.id == first.id and muted.held.startswith("muted by window 'always'")


def test_apg002_the_delivery_log_says_delivered_failed_or_held_and_why() -> None:
    at = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC).isoformat()
    alert = store.Alert(
        1,
        "r",
        "dataset_drift",
        "churn",
        1,
        "open",
        "s",
        {},
        "/drift",
        store.now(),
        store.now(),
        None,
        [
            {"delivery": "webhook https://h", "event": "raised", "at": at, "ok": True},
            {"delivery": "email a@example.com", "event": "raised", "at": at, "ok": False, "error": "refused"},
            {
                "delivery": "email a@example.com",
                "event": "raised",
                "at": at,
                "ok": False,
                "held": "silenced until x",
            },
        ],
    )
    assert board.delivery_lines(alert) == [
        "2026-12-07 09:30 UTC raised to webhook https://h: delivered",
        "2026-12-07 09:30 UTC raised to email a@example.com: failed, refused",
        "2026-12-07 09:30 UTC raised to email a@example.com: not delivered, silenced until x",
    ]


def test_apg003_a_broken_rules_file_is_named_and_alerts_still_list(page_app, data_dir: Path) -> None:
    (data_dir / "reports.yaml").write_text("alerts:\n  - name: x\n    model: churn\n")
    raise_alert(services_of(page_app).engine)
    rules = board.read_rules(services_of(page_app).settings)
    assert rules.by_name == {} and "dataset_drift" in rules.problem
    text = page_layout(page_app, "analyst")
    assert "alert rules have mistakes" in text and "Dataset drift on churn v1" in text


def test_apg004_an_analyst_acknowledges_and_silences_and_each_is_audited(page_app) -> None:
    engine = services_of(page_app).engine
    alert = raise_alert(engine)
    text = text_of(
        confirm(page_app, "analyst", {"alert": alert.id, "action": "acknowledge"}, comment=" on it ")
    )
    assert f"Alert {alert.id} acknowledged by ana." in text
    assert "by ana at" in text and ": on it" in text, "the redrawn table shows who, when and the comment"
    text = text_of(confirm(page_app, "analyst", {"alert": alert.id, "action": "silence"}, "other", " 90m "))
    saved = store.get(engine, alert.id)
    assert saved.silenced_until - saved.silenced_at == dt.timedelta(minutes=90)
    assert f"silenced until {saved.silenced_until:%Y-%m-%d %H:%M} UTC" in text
    assert [(e.actor, e.action) for e in audit.recent(engine)] == [
        ("ana", "alert.silence"),
        ("ana", "alert.acknowledge"),
    ]


@pytest.mark.parametrize(
    ("target", "duration", "other", "comment", "message"),
    [
        ("ack", "1h", None, "x" * 501, "comment: at most 500 characters, not 501"),
        ("silence", "other", "3 fortnights", None, "duration: expected a number and a unit m, h, d or w"),
        ("silence", "other", "45d", None, "duration: from 1m to 30d, not 45d"),
        ("silence", "other", "", None, "duration: expected a number"),
        ("unknown", "1h", None, None, "no alert with id 999999"),
        ("resolved", "1h", None, None, "is resolved; only open alerts can be silenced"),
        ("twice", "1h", None, None, "was already acknowledged by bob at"),
        (None, "1h", None, None, "Pick an open alert's Acknowledge or Silence button first."),
    ],
)
def test_apg005_bad_input_shows_the_managers_message_and_saves_nothing(
    page_app, target, duration, other, comment, message
) -> None:
    engine = services_of(page_app).engine
    alert = raise_alert(engine)
    targets = {
        "ack": {"alert": alert.id, "action": "acknowledge"},
        "silence": {"alert": alert.id, "action": "silence"},
        "unknown": {"alert": 999999, "action": "silence"},
        "resolved": {"alert": alert.id, "action": "silence"},
        "twice": {"alert": alert.id, "action": "acknowledge"},
        None: None,
    }
    if target == "resolved":
        store.update(engine, alert.id, status=store.RESOLVED, resolved_at=store.now())
    if target == "twice":
        manage.acknowledge(engine, alert.id, "bob")
    before = store.get(engine, alert.id)
    entries = len(audit.recent(engine))
    reply = confirm(page_app, "analyst", targets[target], duration, other, comment)
    answer = reply.get_json()["response"]
    assert message in json.dumps(answer["alerts-modal-feedback"]), "the dialog says why"
    assert answer["alerts-modal"]["is_open"] is True, "and stays open to fix it"
    assert "alerts-open" not in answer
    assert store.get(engine, alert.id) == before and len(audit.recent(engine)) == entries


def test_apg006_a_viewer_sees_the_page_with_actions_disabled_and_the_callbacks_refuse_them(page_app) -> None:
    engine = services_of(page_app).engine
    alert = raise_alert(engine)
    text = page_layout(page_app, "viewer")
    assert "Dataset drift on churn v1" in text and "/drift?model=churn&window=7d" in text
    reason = "Acknowledging, silencing and mute windows need the analyst role; you are viewer."
    assert text.count(json.dumps(reason)) >= 4, "the note, and the reason on each disabled action"
    assert "need the analyst role" not in page_layout(page_app, "analyst")
    reply = confirm(page_app, "viewer", {"alert": alert.id, "action": "acknowledge"}, user="vic")
    assert reply.status_code == 403 and "needs the analyst role" in reply.get_json()["error"]["message"]
    assert add_window(page_app, "viewer", user="vic").status_code == 403
    assert store.get(engine, alert.id).acknowledged_by is None and mute.windows(engine) == []


def test_apg007_mute_windows_are_added_listed_and_deleted_through_the_manager(page_app) -> None:
    engine = services_of(page_app).engine
    text = text_of(add_window(page_app, "analyst", rule="churn-drift"))
    assert "Mute window 'weekends' added: sat,sun 00:00-24:00 Europe/Paris (rule churn-drift)." in text
    [window] = mute.windows(engine)
    assert "alerts-windows-table" in text and "nobody on call" in text
    key = key_with(page_app, "alerts-window-status.children")
    delete_id = {"type": "alerts-window-delete", "window": window.id}
    inputs = [value("alerts-window-add", "n_clicks", None), [value(delete_id, "n_clicks", 1)]]
    state = [
        value(f"alerts-window-{n}", "value", None)
        for n in ("name", "rule", "days", "start", "end", "timezone", "comment", "model")
    ]
    state[-1]["id"] = "alerts-model"
    body = {
        "output": key,
        "outputs": outputs_of(key),
        "inputs": inputs,
        "state": state,
        "changedPropIds": [json.dumps(delete_id, separators=(",", ":")) + ".n_clicks"],
    }
    identity = as_role("analyst", "bob")
    reply = page_app.server.test_client().post(
        "/_dash-update-component",
        json=body,
        headers={**SAME_ORIGIN, **identity["headers"]},
        environ_base=identity["environ_base"],
    )
    assert "Mute window 'weekends' deleted." in text_of(reply) and mute.windows(engine) == []
    assert [(e.actor, e.action) for e in audit.recent(engine)] == [
        ("bob", "alert_mute.delete"),
        ("ana", "alert_mute.create"),
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"days": []}, "weekdays: expected one or more of mon, tue"),
        ({"days": ["sat", "caturday"]}, "weekdays: 'caturday' is not a weekday"),
        ({"start": "25:00"}, "start: expected a time HH:MM from 00:00 to 24:00, not '25:00'"),
        ({"end": "00:00"}, "end: must differ from start"),
        ({"timezone": "Mars/Olympus"}, "timezone: 'Mars/Olympus' is not an IANA time zone"),
        ({"name": ""}, "name: expected 1 to 100 letters"),
        ({"rule": "nosuch"}, "rule: no alert rule named 'nosuch' (rules: churn-drift)"),
        ({"comment": "x" * 501}, "comment: at most 500 characters, not 501"),
    ],
)
def test_apg008_a_bad_mute_window_shows_the_managers_message_and_saves_nothing(
    page_app, fields, message
) -> None:
    engine = services_of(page_app).engine
    text = text_of(add_window(page_app, "analyst", **fields))
    assert "Not added: " + message in text
    assert mute.windows(engine) == [] and audit.recent(engine) == []


def test_apg009_a_taken_name_or_an_unknown_window_is_refused(page_app) -> None:
    engine = services_of(page_app).engine
    text_of(add_window(page_app, "analyst"))
    assert "name: a mute window named 'weekends' already exists" in text_of(add_window(page_app, "analyst"))
    assert len(mute.windows(engine)) == 1


def test_apg010_refresh_shows_what_others_changed_and_an_ended_silence_says_so(page_app) -> None:
    engine = services_of(page_app).engine
    alert = raise_alert(engine)
    manage.silence(engine, alert.id, "bob", "1h", "deploy")
    store.update(engine, alert.id, silenced_until=store.now() - dt.timedelta(minutes=5))
    manage.add_window(
        engine, {"name": "nights", "weekdays": "mon", "start": "22:00", "end": "06:00"}, [], "bob"
    )
    key = key_with(page_app, "alerts-open.children", "alerts-windows.children", "alerts-resolved")
    inputs = [value("alerts-refresh", "n_clicks", 1), value("alerts-model", "value", None)]
    text = text_of(post(page_app, "viewer", key, inputs, [], "vic"))
    assert "silence ended" in text and "by bob: deploy" in text and "silenced until" not in text
    assert "nights" in text and "mon" in text and "22:00-06:00" in text
