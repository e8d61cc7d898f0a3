"""Security headers on every response, and a session cookie that is Secure whenever it can be.

The Content-Security-Policy allows scripts only from the portal itself plus the hashes of Dash's
own inline scripts (``app.csp_hashes()``): no ``unsafe-eval``, no inline handlers. Styles need
``'unsafe-inline'`` because React and Plotly set ``style`` attributes and inject ``<style>`` rules
at run time (every chart's layout), which no hash or nonce can cover; styles cannot run script.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from portal.config import Settings
from portal.embed.framing import content_security_policy

CSP_HEADER = "Content-Security-Policy"


def build_policy(settings: Settings, script_hashes: Iterable[str]) -> str:
    """The full policy; ``frame-ancestors`` comes from the embedding settings (portal.embed.framing)."""
    scripts = " ".join(["'self'", *script_hashes])
    directives = [
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        content_security_policy(settings),
    ]
    return "; ".join(directives)


def init_headers(server: Flask, settings: Settings, script_hashes: Callable[[], Iterable[str]]) -> None:
    """Attach the headers; hashes are read once, after every inline script is registered."""
    cached: dict[str, str] = {}

    @server.after_request
    def _security_headers(response: Response) -> Response:
        if "policy" not in cached:
            cached["policy"] = build_policy(settings, script_hashes())
        response.headers[CSP_HEADER] = cached["policy"]
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Full URLs (an embed's token) stay on the portal; other sites get the origin at most.
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    server.session_interface = SecureWhenHttps(settings.cookie_secure)


class SecureWhenHttps(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure on HTTPS requests or when configured."""

    def __init__(self, always: bool) -> None:
        self.always = always
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, built once per secret key instead of on every request."""
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        try:
            return self._serializers[keys]
        except KeyError:
            serializer = super().get_signing_serializer(app)
            if len(self._serializers) < 8:  # keys change only when an operator rotates them
                self._serializers[keys] = serializer
            return serializer

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = super().get_cookie_secure(app)
        return bool(configured or self.always or (has_request_context() and request.is_secure))
