"""Per-request plumbing: the request id carried through logs, and one access-log line each."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from portal.log import request_id_var

log = logging.getLogger("portal.access")
REQUEST_ID_HEADER = "X-Request-ID"
# Set only by gunicorn's pre_request hook (portal.web.gunicorn_hooks): identity headers sent twice.
REPEATED_HEADERS_FLAG = "X-Portal-Repeated-Headers"
# Accept a caller's id only if it is short and harmless to echo into logs and headers.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def init_request_hooks(server: Flask) -> None:
    """Attach the request-id and access-log hooks to the server."""

    @server.before_request
    def _start() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()
        g.request_id_token = request_id_var.set(g.request_id)

    @server.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        if not log.isEnabledFor(logging.INFO):
            return response  # at PORTAL_LOG_LEVEL=warning nothing below is written
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "remote_addr": request.remote_addr,
            },
        )
        return response

    @server.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)
