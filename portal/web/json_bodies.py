"""Flask's JSON for the portal: bodies nested too deeply are a client's mistake, responses use orjson.

Python's JSON parser recurses once per ``[`` or ``{``; about 100,000 of them raise RecursionError,
which Flask does not treat as bad JSON. This provider turns it into the ValueError Flask answers
with a 400, for every route at once: the API, the feedback upload and Dash's callback endpoint.

Compact responses are encoded by orjson (a 10,000-row prediction answer: about 90 ms with the
standard library, a few with orjson), keys sorted as Flask sorts them and anything orjson does not
know (dates, decimals, dataclasses) handed to Flask's own conversions. Non-finite floats become
``null``, where the standard library wrote ``NaN``, which is not JSON.

Bodies are read by orjson too (a 10,000-record body: about 30 ms with the standard library, a
few with orjson), but only where its answer is the standard library's: orjson turns an integer
beyond 64 bits into a float, so a body holding a run of 19 or more digits goes to the standard
library, as does every body orjson refuses (NaN literals, lone surrogates, other encodings).
"""

from __future__ import annotations

from typing import Any

import orjson
import plotly.io.json as plotly_json
from flask.json.provider import DefaultJSONProvider

_COMPACT = (",", ":")
# Integers of up to 18 digits fit in 64 bits, where orjson and the standard library agree. A
# translation that maps every digit to "0" (and every other byte away from it) turns the search for
# a run of 19 digits into a substring search, both in C: a regex took 47 ms for a 1 MB body.
_DIGITS_AS_ZERO = bytes(ord("0") if chr(b).isdigit() and b < 128 else ord("x") for b in range(256))
_LONG_DIGIT_RUN = b"0" * 19
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
        """orjson where it gives the standard library's answer exactly; the standard library elsewhere."""
        if not kwargs and isinstance(s, str | bytes | bytearray) and _orjson_reads_exactly(s):
            try:
                return orjson.loads(s)
            except orjson.JSONDecodeError:
                pass  # the standard library decides: it accepts more (NaN) and words its own errors
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


def _orjson_reads_exactly(text: str | bytes | bytearray) -> bool:
    """No digit run long enough to be an integer that orjson would read as a float."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return _LONG_DIGIT_RUN not in data.translate(_DIGITS_AS_ZERO)


def keep_dash_on_the_standard_library() -> None:
    """Dash encodes callback answers through plotly, which switches to orjson once it is installed.

    Its orjson path cleans every component in Python first: a cached prediction answer took 0.8 ms
    instead of 0.47 ms. The portal's figures are small aggregates, so Dash keeps the standard library.
    """
    plotly_json.config.default_engine = "json"
