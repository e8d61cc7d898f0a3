"""Answer a repeated Dash callback from memory, for callbacks whose answer is a pure function of a key.

Dash's dispatch (reading the body, building its callback context, running the callback, encoding the
components through plotly's encoder) costs several times the callback's own cache lookup. A callback
opts in with :func:`declare`, giving a function from its input values to a key that names everything
its answer depends on (for the sample prediction: model, active version, row), or None when it may
not be cached. After each run the callback itself names the key it computed from
(:func:`computed_from`); only then are the answer's bytes kept, under that key. A later request whose
inputs map to the same key gets those bytes without Dash running.

Why this can never answer stale or another user's data:

- the answer is kept under the key the callback computed from, not the key read before it ran, so a
  promotion racing a request can never file one version's answer under another's key;
- the key is read afresh on every request (the active version from its marker file), so a
  promotion changes the key and the next request runs the callback;
- the sign-in gate and the callback guard run before this, for hits as for misses, and a callback
  that reads the requester (its name, role or session) must not opt in;
- the body's ``output`` and ``outputs`` are part of the key, since Dash shapes the answer from them;
- only plain 200 answers without cookies are kept, at most :data:`MAX_ENTRIES` per worker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import dash
import orjson
from flask import Flask, Response, g, request
from prometheus_client import Counter

EXTENSION_KEY = "portal.callback_cache"
MAX_ENTRIES = 512
_COMPUTED_FROM = "portal_callback_cache_key"
REQUESTS = Counter(
    "portal_callback_cache_requests",
    "Dash callback requests of cacheable callbacks, by result (hit, miss, skip)",
    ["result"],
)
_HITS, _MISSES, _SKIPS = (REQUESTS.labels(result) for result in ("hit", "miss", "skip"))

KeyOf = Callable[..., Hashable | None]


class CallbackCache:
    """The declared callbacks of one app and the answers kept for them, bounded, thread-safe."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self.key_functions: dict[str, KeyOf] = {}
        self._answers: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: Hashable, answer: bytes) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.max_entries:
                self._answers.popitem(last=False)

    def __len__(self) -> int:
        return len(self._answers)


def declare(app: dash.Dash, output: str, key_of: KeyOf) -> None:
    """Let the callback producing ``output`` (Dash's ``"id.prop"`` string) be answered from memory.

    ``key_of`` takes the callback's input and state values in order and returns the key its answer
    would be computed from, or None to run the callback; it must not raise.
    """
    _cache(app.server).key_functions[output] = key_of


def computed_from(key: Hashable) -> None:
    """Called by a declared callback: this answer depends on ``key`` alone and may be kept under it."""
    setattr(g, _COMPUTED_FROM, key)


def init_callback_cache(server: Flask, app: dash.Dash) -> CallbackCache:
    """Put the cache in front of Dash's callback view (after every callback and guard is registered)."""
    cache = _cache(server)
    path = app.config.routes_pathname_prefix + "_dash-update-component"
    endpoint = next(rule.endpoint for rule in server.url_map.iter_rules() if rule.rule == path)
    dispatch = server.view_functions[endpoint]

    def cached_dispatch(*args: Any, **kwargs: Any) -> Any:
        key = _request_key(cache, request.get_json(silent=True))
        if key is None:
            return dispatch(*args, **kwargs)
        answer = cache.get(key)
        if answer is not None:
            _HITS.inc()
            return Response(answer, content_type="application/json")
        response = dispatch(*args, **kwargs)
        used = getattr(g, _COMPUTED_FROM, None)
        if used is not None and _keepable(response):
            _MISSES.inc()
            cache.put((key[0], key[1], used), response.get_data())
        else:
            _SKIPS.inc()
        return response

    server.view_functions[endpoint] = cached_dispatch
    return cache


def _cache(server: Flask) -> CallbackCache:
    return server.extensions.setdefault(EXTENSION_KEY, CallbackCache())


def _request_key(cache: CallbackCache, body: Any) -> tuple[str, bytes, Hashable] | None:
    """(output, outputs as sent, the callback's key) for a declared callback, else None."""
    if not isinstance(body, dict):
        return None
    output = body.get("output")
    key_of = cache.key_functions.get(output) if isinstance(output, str) else None
    if key_of is None:
        return None
    values = [
        item.get("value") if isinstance(item, dict) else item
        for item in (*(body.get("inputs") or ()), *(body.get("state") or ()))
    ]
    try:
        key = key_of(*values)
    except Exception:  # Dash runs the callback and reports the problem as it always did
        return None
    if key is None:
        return None
    try:
        outputs = orjson.dumps(body.get("outputs"), option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    return output, outputs, key


def _keepable(response: Any) -> bool:
    return (
        isinstance(response, Response)
        and response.status_code == 200
        and not response.direct_passthrough
        and response.mimetype == "application/json"
        and "Set-Cookie" not in response.headers
    )
