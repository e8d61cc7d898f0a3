"""A real OpenID Connect provider on loopback for sign-in tests (oidc-provider-mock, built on Authlib).

The WSGI wrapper records what the portal sent (authorization query, token request form) so tests
can prove PKCE end to end: the verifier sent with the code must hash to the challenge sent first.
"""

from __future__ import annotations

import dataclasses
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

import werkzeug.serving


@dataclasses.dataclass
class Provider:
    url: str
    authorize_queries: list[dict[str, list[str]]] = dataclasses.field(default_factory=list)
    token_forms: list[dict[str, list[str]]] = dataclasses.field(default_factory=list)


class _Recorder:
    def __init__(self, app: Any, provider: Provider) -> None:
        self.app = app
        self.provider = provider

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == "/oauth2/authorize" and environ.get("REQUEST_METHOD") == "GET":
            self.provider.authorize_queries.append(parse_qs(environ.get("QUERY_STRING", "")))
        if path == "/oauth2/token":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            self.provider.token_forms.append(parse_qs(body.decode()))
        return self.app(environ, start_response)


@contextmanager
def oidc_provider(users: dict[str, dict[str, Any]]) -> Iterator[Provider]:
    """Serve the provider on 127.0.0.1 with ``users`` (sub -> claims) offered on its sign-in form."""
    import oidc_provider_mock

    claims = [oidc_provider_mock.User(sub=sub, claims=user) for sub, user in users.items()]
    app = oidc_provider_mock.app(require_nonce=True, user_claims=claims)
    provider = Provider(url="")
    server = werkzeug.serving.make_server("127.0.0.1", 0, _Recorder(app, provider), threaded=True)
    provider.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
