"""Flask's JSON for the portal: bodies nested too deeply are a client's mistake, responses use orjson.

Python's JSON parser recurses once per ``[`` or ``{``; about 100,000 of them raise RecursionError,
which Flask does not treat as bad JSON. This provider turns it into the ValueError Flask answers
with a 400, for every route at once: the API, the feedback upload and Dash's callback endpoint.

Compact responses are encoded by orjson (a 10,000-row prediction answer: about 90 ms with the
standard library, a few with orjson), keys sorted as Flask sorts them and anything orjson does not
know (dates, decimals, dataclasses) handed to Flask's own conversions. Non-finite floats become
``null``, where the standard library wrote ``NaN``, which is not JSON.
"""

from __future__ import annotations

from typing import Any

import orjson
import plotly.io.json as plotly_json
from flask.json.provider import DefaultJSONProvider

_COMPACT = (",", ":")
_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_SERIALIZE_NUMPY
)


class NestingSafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, with bodies nested past the parser's depth refused as invalid JSON."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Compact output (every response outside debug mode) by orjson; anything else as Flask does."""
        if set(kwargs) - {"separators"} or kwargs.get("separators", _COMPACT) != _COMPACT:
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode()
        except TypeError:  # e.g. integers beyond 64 bits: the standard library writes them
            return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        # The standard library still parses: orjson reads integers beyond 64 bits as floats.
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


def keep_dash_on_the_standard_library() -> None:
    """Dash encodes callback answers through plotly, which switches to orjson once it is installed.

    Its orjson path cleans every component in Python first: a cached prediction answer took 0.8 ms
    instead of 0.47 ms. The portal's figures are small aggregates, so Dash keeps the standard library.
    """
    plotly_json.config.default_engine = "json"
