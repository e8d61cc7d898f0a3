"""Request bodies too deeply nested to parse are a client's mistake (400), not a server error.

Python's JSON parser recurses once per ``[`` or ``{``; about 100,000 of them raise RecursionError,
which Flask does not treat as bad JSON. This provider turns it into the ValueError Flask answers
with a 400, for every route at once: the API, the feedback upload and Dash's callback endpoint.
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider


class NestingSafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, with bodies nested past the parser's depth refused as invalid JSON."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None
