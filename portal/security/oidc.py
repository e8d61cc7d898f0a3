"""OpenID Connect sign-in with Authlib: discovery, authorization code with PKCE (S256), nonce,
groups from a configurable claim, a session that expires, and sign-out at the provider too."""

from __future__ import annotations

import logging
import time
from html import escape
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, Response, redirect, request, session, url_for

from portal.config import Settings
from portal.security.csrf import cross_site_refusal
from portal.security.identify import SESSION_USER
from portal.security.roles import split_groups
from portal.web.theme import THEME_URL

log = logging.getLogger(__name__)
NEXT_KEY = "portal_next"
ID_TOKEN_KEY = "portal_id_token"
# Cookies hold the whole session; an id_token longer than this is not kept for the logout hint.
MAX_ID_TOKEN_HINT = 1800


def safe_next(raw: str | None) -> str:
    """Only a path on this portal: never another host (an open redirect through sign-in)."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    return raw


def groups_from_claims(claims: dict[str, Any], claim: str) -> tuple[str, ...]:
    """Providers send groups as a list or as one comma-separated string."""
    value = claims.get(claim)
    if isinstance(value, str):
        return split_groups(value)
    if isinstance(value, (list, tuple)):
        return tuple(dict.fromkeys(str(item) for item in value if str(item).strip()))
    return ()


def create_oidc_blueprint(server: Flask, settings: Settings) -> Blueprint:
    """Routes under /auth; the provider's endpoints come from its discovery document, read lazily."""
    oauth = OAuth(server)
    client = oauth.register(
        name="portal",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": settings.oidc_scopes,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic" if settings.oidc_client_secret else "none",
        },
    )
    server.config["PERMANENT_SESSION_LIFETIME"] = int(settings.session_hours * 3600)
    auth = Blueprint("auth", __name__, url_prefix="/auth")

    @auth.get("/login")
    def login() -> Any:
        session[NEXT_KEY] = safe_next(request.args.get("next"))
        try:
            return client.authorize_redirect(url_for("auth.callback", _external=True))
        except Exception as exc:  # the provider is down or its discovery document is broken
            log.error("sign-in provider unavailable", extra={"error": f"{type(exc).__name__}: {exc}"})
            return _page(
                "Sign-in is unavailable", "The sign-in provider did not answer. Try again shortly.", 503
            )

    @auth.get("/callback")
    def callback() -> Any:
        if request.args.get("error"):
            reason = request.args.get("error_description") or request.args["error"]
            return _page("Sign-in was not completed", f"The provider said: {reason}", 401)
        try:
            token = client.authorize_access_token()
            claims = dict(token.get("userinfo") or client.userinfo(token=token))
        except OAuthError as exc:
            log.warning("sign-in refused", extra={"error": exc.error, "description": exc.description})
            return _page("Sign-in failed", f"{exc.error}: {exc.description or 'try again'}", 401)
        except Exception as exc:  # a stale or replayed callback URL, or the provider failing mid-way
            log.warning("sign-in failed", extra={"error": f"{type(exc).__name__}: {exc}"})
            return _page("Sign-in failed", "The sign-in could not be completed. Please try again.", 401)
        target = safe_next(session.get(NEXT_KEY))
        session.clear()  # a fresh session on sign-in: nothing from before survives (fixation)
        name = str(claims.get("preferred_username") or claims.get("email") or claims.get("sub"))
        session[SESSION_USER] = {
            "name": name[:200],
            "groups": list(groups_from_claims(claims, settings.oidc_groups_claim)),
            "expires": time.time() + settings.session_hours * 3600,
        }
        id_token = token.get("id_token")
        if isinstance(id_token, str) and len(id_token) <= MAX_ID_TOKEN_HINT:
            session[ID_TOKEN_KEY] = id_token
        session.permanent = True
        log.info("signed in", extra={"user": name, "groups": session[SESSION_USER]["groups"]})
        return redirect(target)

    @auth.get("/logout")
    def confirm_logout() -> Any:
        """A link or a prefetch must not sign anyone out: this page asks, and its button POSTs."""
        return _page("Sign out?", "Sign out of the portal on this browser.", 200, sign_out_form=True)

    @auth.post("/logout")
    def logout() -> Any:
        # /auth is public (sign-in must be reachable), so this write checks its own origin.
        refusal = cross_site_refusal(json_only=False)
        if refusal is not None:
            return refusal
        id_token = session.get(ID_TOKEN_KEY)
        session.clear()
        done = url_for("auth.signed_out", _external=True)
        try:
            end_session = client.load_server_metadata().get("end_session_endpoint")
        except Exception:  # provider down: the local sign-out still happened
            end_session = None
        if not end_session:
            return redirect(done)
        params = {"post_logout_redirect_uri": done, "client_id": settings.oidc_client_id}
        if id_token:
            params["id_token_hint"] = id_token
        return redirect(f"{end_session}?{urlencode(params)}")

    @auth.get("/signed-out")
    def signed_out() -> Any:
        return _page("You are signed out", "Close the browser to end your sign-in at the provider too.", 200)

    return auth


def _page(title: str, message: str, status: int, sign_out_form: bool = False) -> Response:
    action = (
        '<form method="post" action="/auth/logout"><button class="btn btn-primary" type="submit">'
        "Sign out</button></form>"
        if sign_out_form
        else '<a class="btn btn-primary" href="/auth/login">Sign in</a>'
    )
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<link rel="icon" href="/_favicon.ico"><link rel="stylesheet" href="{THEME_URL}"></head>
<body><main class="container py-4"><div class="alert alert-light portal-signin">
<h2 class="alert-heading">{escape(title)}</h2><p>{escape(message)}</p>
{action}</div></main></body></html>"""
    return Response(html, status=status, mimetype="text/html")
