"""The Subscribe dialog's Preview and Save, through Dash's callback endpoint with header sign-in.

Preview shows what Save would store: both buttons must read the same fields into the same
subscription, and refuse the same bad input with the same problems.
"""

from __future__ import annotations

import pytest

from portal import ids
from portal.app import create_app
from portal.reports import preview, store
from portal.reports.render import RenderError
from tests.security.conftest import HEADER_ENV, as_role
from tests.support.dash_requests import outputs_of

SAME_ORIGIN = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
FIELDS = {
    ids.SUBSCRIBE_EDITING: None,
    ids.SUBSCRIBE_TITLE: "Churn by plan",
    ids.SUBSCRIBE_PAGE: "/overview?model=churn&segment=plan",
    ids.SUBSCRIBE_FORMAT: "pdf",
    ids.SUBSCRIBE_KIND: "weekly",
    ids.SUBSCRIBE_DAY: "tue",
    ids.SUBSCRIBE_TIME: "07:30",
    ids.SUBSCRIBE_TIMEZONE: "Europe/Berlin",
    ids.SUBSCRIBE_CRON: "",
    ids.SUBSCRIBE_EMAIL: "ana@example.com, team@example.com",
    ids.SUBSCRIBE_WEBHOOK: "https://hooks.example.com/portal",
    ids.SUBSCRIBE_WEBHOOK_STYLE: "slack",
    ids.SUBSCRIBE_DIRECTORY: "",
    ids.SUBSCRIBE_CONDITION: True,
}


@pytest.fixture()
def dialog_app(make_settings):
    app = create_app(make_settings(**HEADER_ENV, PORTAL_REPORT_RECIPIENT_DOMAINS="example.com"))
    yield app
    app.server.extensions["portal.services"].prediction_log.stop()


def click(app, button: str, fields: dict) -> list:
    """Click ``button`` with the dialog holding ``fields``, as the analyst ana; the callback's outputs."""
    [key] = [k for k, entry in app.callback_map.items() if entry["inputs"][0]["id"] == button]
    state = [
        {"id": item["id"], "property": item["property"], "value": fields[item["id"]]}
        for item in app.callback_map[key]["state"]
    ]
    body = {
        "output": key,
        "outputs": outputs_of(key),
        "inputs": [{"id": button, "property": "n_clicks", "value": 1}],
        "state": state,
        "changedPropIds": [f"{button}.n_clicks"],
    }
    identity = as_role("analyst", "ana@example.com")
    reply = app.server.test_client().post(
        "/_dash-update-component",
        json=body,
        headers={**SAME_ORIGIN, **identity["headers"]},
        environ_base=identity["environ_base"],
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    response = reply.get_json()["response"]
    outputs = outputs_of(key)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return [response[item["id"]][item["property"].split("@")[0]] for item in outputs]


def text(component) -> str:
    """The text a user reads in a rendered component."""
    if isinstance(component, dict):
        return text(component.get("props", {}).get("children"))
    if isinstance(component, list):
        return "".join(text(child) for child in component)
    return "" if component is None else str(component)


def shown(subscription) -> tuple:
    return (
        subscription.title,
        subscription.page,
        subscription.query,
        subscription.format,
        subscription.schedule,
        subscription.timezone,
        subscription.deliveries,
        subscription.condition,
    )


def test_sbd001_save_stores_the_subscription_preview_rendered(dialog_app, monkeypatch) -> None:
    rendered = []

    def render(settings, subscription):
        rendered.append(subscription)
        raise RenderError("no browser in this test")

    monkeypatch.setattr(preview, "render_first_page", render)
    [feedback, src, image_class] = click(dialog_app, ids.SUBSCRIBE_PREVIEW, FIELDS)
    assert "The page could not be rendered: no browser in this test" in text(feedback)
    assert (src, image_class) == ("", "img-fluid border mt-2 d-none")

    [saved] = click(dialog_app, ids.SUBSCRIBE_SAVE, FIELDS)
    assert "Subscription 'churn-by-plan' saved: weekly on tue at 07:30 (Europe/Berlin)." in text(saved)
    stored = store.get(dialog_app.server.extensions["portal.services"].engine, "churn-by-plan")
    [previewed] = rendered
    assert shown(previewed) == shown(stored)
    assert stored.format == "pdf" and stored.condition == "alert_open" and len(stored.deliveries) == 2


def test_sbd002_preview_and_save_refuse_bad_input_with_the_same_problems(dialog_app) -> None:
    bad = {
        **FIELDS,
        ids.SUBSCRIBE_TIMEZONE: "Mars/Olympus",
        ids.SUBSCRIBE_EMAIL: "ana@example.com, eve@evil.test",
        ids.SUBSCRIBE_WEBHOOK: "ftp://hooks.example.com/x",
    }
    [previewed, _, _] = click(dialog_app, ids.SUBSCRIBE_PREVIEW, bad)
    [saved] = click(dialog_app, ids.SUBSCRIBE_SAVE, bad)
    assert text(previewed).startswith("Not saved:")
    assert "unknown time zone 'Mars/Olympus'" in text(previewed)
    assert "eve@evil.test is outside the allowed recipient domains (example.com)" in text(previewed)
    assert "must be an http:// or https:// URL" in text(previewed)
    assert text(saved) == text(previewed)
