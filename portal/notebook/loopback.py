"""Request hooks that make the in-kernel portal safe and fair on a loopback port.

The portal runs with ``PORTAL_AUTH=none`` (everyone is an admin), which is safe only while no other
machine can reach it: the server binds 127.0.0.1, and a request whose ``Host`` is not a loopback
name is refused, so a web page that points its own host name at 127.0.0.1 (DNS rebinding) cannot
read or change anything through the visitor's browser. Each request thread also caps its native
thread pools, as every gunicorn worker does.
"""

from __future__ import annotations

from flask import Flask, Response, request

from portal.threads import ThreadCapper

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def allowed_hosts(port: int) -> frozenset[str]:
    """``Host`` header values that name this server: a loopback name and its port."""
    return frozenset(f"{name}:{port}" for name in LOOPBACK_NAMES)


def init_loopback_guard(server: Flask, port: int) -> None:
    """Refuse requests addressed to any other host name, before any other hook runs."""
    hosts = allowed_hosts(port)

    def _only_loopback() -> Response | None:
        if request.host.lower() in hosts:
            return None
        message = f"this notebook portal answers only at http://127.0.0.1:{port}, not at {request.host[:100]}"
        return Response(message, status=403, mimetype="text/plain")

    server.before_request_funcs.setdefault(None, []).insert(0, _only_loopback)


def init_thread_caps(server: Flask, threads: int) -> ThreadCapper:
    """Cap OpenMP and BLAS in every request thread to ``threads`` (PORTAL_NATIVE_THREADS)."""
    capper = ThreadCapper(threads)

    @server.before_request
    def _cap_native_threads() -> None:
        capper.cap_this_thread()

    return capper
