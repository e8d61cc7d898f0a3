"""Liveness, readiness and metrics endpoints for load balancers and orchestrators."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify

from portal.db import migrate
from portal.services import Services

log = logging.getLogger(__name__)


def check_database(engine: sa.Engine) -> tuple[bool, str]:
    """Round-trip a query and compare schema revisions, so a dead or stale database shows up first.

    A schema newer than the code still serves: upgrades migrate first, then roll the pods.
    """
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        schema = migrate.status(engine)
    except Exception as exc:  # any driver error means "not ready", never a 500
        return False, f"{engine.url.get_backend_name()} unreachable: {type(exc).__name__}"
    return schema.servable, f"{engine.url.get_backend_name()}, {schema.describe()}"


def check_cache(services: Services) -> tuple[bool, str]:
    """Write and read back a probe key in the shared cache."""
    cache = services.inference_cache
    key = f"readyz-probe-{uuid.uuid4().hex}"
    try:
        stored = cache.set(key, "ok", timeout=30)
        ok = bool(stored) and cache.get(key) == "ok"
        cache.delete(key)
    except Exception as exc:
        return False, f"cache unreachable: {type(exc).__name__}"
    return (True, "ok") if ok else (False, "cache did not store the probe key")


def create_health_blueprint(
    services: Services, informational: Mapping[str, Callable[[], dict[str, Any]]] | None = None
) -> Blueprint:
    """Routes that answer without sign-in and never touch the Dash machinery.

    ``informational`` sections (the scheduler's state) are shown on /readyz but never fail it.
    """
    health = Blueprint("health", __name__)
    extras = dict(informational or {})

    @health.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @health.get("/readyz")
    def readyz() -> tuple[Response, int]:
        checks: dict[str, Any] = {}
        models_ok, models_detail = services.registry.readiness()
        checks["models"] = {"ok": models_ok, "detail": models_detail}
        db_ok, db_detail = check_database(services.engine)
        checks["database"] = {"ok": db_ok, "detail": db_detail}
        cache_ok, cache_detail = check_cache(services)
        checks["cache"] = {"ok": cache_ok, "detail": cache_detail}
        failing = sorted(name for name, check in checks.items() if not check["ok"])
        status = 200 if not failing else 503
        if failing:
            log.warning("not ready", extra={"failing": failing})
        shown = {name: _informational(name, section) for name, section in extras.items()}
        body = {"status": "ready" if not failing else "not ready", "failing": failing, "checks": checks}
        return jsonify(**body, **shown), status

    return health


def _informational(name: str, section: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return {"informational": True, **section()}
    except Exception as exc:  # an informational section must never turn readiness into a 500
        log.warning("readiness section failed", extra={"section": name, "error": type(exc).__name__})
        return {"informational": True, "state": "unknown", "error": type(exc).__name__}
