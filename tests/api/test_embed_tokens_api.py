"""POST /api/v1/embed-tokens: issues a working link; bad payloads get the API's one error shape."""

from __future__ import annotations

import time
from datetime import datetime
from urllib.parse import urlsplit

import pytest

from portal.api.openapi import openapi_document
from portal.app import create_app
from portal.embed import tokens as embed_tokens

SECRET = "a" * 40
URL = "/api/v1/embed-tokens"


@pytest.fixture()
def api_client(make_settings):
    return create_app(make_settings(PORTAL_SECRET_KEY=SECRET)).server.test_client()


def test_api101_issues_a_link_that_opens_only_its_page(api_client) -> None:
    response = api_client.post(
        URL, json={"page": "/performance", "query": {"model": "churn", "threshold": 0.4}, "ttl": "90s"}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["page"] == "/performance"
    assert body["query"] == {"model": "churn", "threshold": "0.4"}
    assert body["url"] == "http://localhost" + body["path"]
    expires = datetime.fromisoformat(body["expires_at"]).timestamp()
    assert time.time() + 80 < expires <= time.time() + 91
    grant = embed_tokens.verify(SECRET, body["token"], "/performance")
    assert grant.query == body["query"]
    parts = urlsplit(body["url"])
    assert api_client.get(f"{parts.path}?{parts.query}").status_code == 200
    assert api_client.get(f"/embed/overview?{parts.query}").status_code == 401


def test_api102_defaults_and_schema(api_client) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    spec = openapi_document()
    response = api_client.post(URL, json={"page": "overview"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["path"].startswith("/embed/overview?token=")
    assert body["query"] == {}
    schema = spec["paths"]["/embed-tokens"]["post"]["responses"]["201"]["content"]["application/json"]
    jsonschema.validate(body, schema["schema"])
    request_schema = spec["paths"]["/embed-tokens"]["post"]["requestBody"]["content"]["application/json"]
    jsonschema.validate({"page": "/", "query": {"model": "churn"}, "ttl": "1h"}, request_schema["schema"])


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"data": "page=/overview", "content_type": "application/x-www-form-urlencoded"}, 415, "as JSON"),
        ({"data": "{not json", "content_type": "application/json"}, 400, "not valid JSON"),
        ({"json": ["/overview"]}, 400, "must be a JSON object"),
        ({"json": {"ttl": "1h"}}, 400, '"page" is required'),
        ({"json": {"page": "/overview", "pages": []}}, 400, "unknown field(s): pages"),
        ({"json": {"page": "/admin"}}, 422, "unknown page '/admin'"),
        ({"json": {"page": "/reports"}}, 422, "page /reports cannot be embedded"),
        ({"json": {"page": 3}}, 422, "page must be one of"),
        ({"json": {"page": "/overview", "ttl": "forever"}}, 422, "is not a duration"),
        ({"json": {"page": "/overview", "ttl": True}}, 422, "is not a duration"),
        ({"json": {"page": "/overview", "ttl": "500d"}}, 422, "between 1 second and 366 days"),
        ({"json": {"page": "/overview", "query": "model=churn"}}, 422, "query must be an object"),
        ({"json": {"page": "/overview", "query": {"model": ["a"]}}}, 422, "must be a string or number"),
        ({"json": {"page": "/overview", "query": {"token": "x"}}}, 422, "cannot set 'token'"),
        ({"json": {"page": "/overview", "query": {"a b": "x"}}}, 422, "is not a plain name"),
        ({"json": {"page": "/overview", "query": {"model": "nosuch"}}}, 422, "is not registered"),
    ],
)
def test_api103_bad_payloads_get_the_error_shape(api_client, kwargs, status, message) -> None:
    response = api_client.post(URL, **kwargs)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["status"] == status
    assert message in error["message"]
    assert error["request_id"]


def test_api104_links_start_with_the_public_url_not_the_host_header(make_settings) -> None:
    """A forged Host header must not turn the links an admin hands out into links to another site."""
    settings = make_settings(PORTAL_SECRET_KEY=SECRET, PORTAL_PUBLIC_URL="https://portal.example.com/")
    client = create_app(settings).server.test_client()
    response = client.post(URL, json={"page": "/overview"}, headers={"Host": "evil.example.net"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["url"] == "https://portal.example.com" + body["path"]


def test_api105_without_a_public_url_the_request_address_is_used(api_client) -> None:
    response = api_client.post(URL, json={"page": "/overview"}, headers={"Host": "portal.intranet:8443"})
    assert response.get_json()["url"].startswith("http://portal.intranet:8443/embed/overview?")
