"""The portal's JSON provider: orjson's speed with the standard library's answers, and valid JSON."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math

import numpy as np
import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.web.json_bodies import NestingSafeJSONProvider


@pytest.fixture
def providers():
    app = Flask(__name__)
    return NestingSafeJSONProvider(app), DefaultJSONProvider(app)


def test_jsn001_responses_read_back_as_flask_writes_them_with_keys_sorted(providers) -> None:
    ours, flasks = providers
    value = {
        "b": [1, 2.5, "ünï/code", None, True],
        "a": {"z": 1, "y": {"when": dt.datetime(2026, 12, 2, 10, 30, tzinfo=dt.UTC)}},
        "day": dt.date(2026, 12, 2),
        "money": decimal.Decimal("12.30"),
    }
    text = ours.dumps(value, separators=(",", ":"))
    assert json.loads(text) == json.loads(flasks.dumps(value, separators=(",", ":")))
    assert text.index('"a"') < text.index('"b"') < text.index('"day"') < text.index('"money"'), "sorted keys"
    assert json.loads(text)["day"] == "Wed, 02 Dec 2026 00:00:00 GMT", "dates as Flask formats them"
    assert json.loads(ours.dumps({3: "x", "a": "y"}, separators=(",", ":"))) == {"3": "x", "a": "y"}


def test_jsn002_numpy_values_and_non_finite_floats_give_valid_json(providers) -> None:
    ours, _ = providers
    text = ours.dumps(
        {"i": np.int64(7), "f": np.float64(0.25), "nan": math.nan, "inf": -math.inf, "a": np.arange(3)},
        separators=(",", ":"),
    )
    assert json.loads(text) == {"a": [0, 1, 2], "f": 0.25, "i": 7, "inf": None, "nan": None}
    assert "NaN" not in text and "Infinity" not in text


def test_jsn003_bodies_parse_as_before_and_what_orjson_cannot_write_is_written_as_before(providers) -> None:
    ours, flasks = providers
    assert math.isnan(ours.loads('{"x": NaN}')["x"]), "NaN literals were accepted before"
    assert ours.loads('{"x": 123456789012345678901234567890}')["x"] == 123456789012345678901234567890
    assert ours.dumps({"big": 2**70}, separators=(",", ":")) == flasks.dumps(
        {"big": 2**70}, separators=(",", ":")
    )
    indented = ours.dumps({"b": 1, "a": 2}, indent=2)
    assert indented == flasks.dumps({"b": 1, "a": 2}, indent=2), "debug output stays Flask's"
    with pytest.raises(ValueError, match="nested too deeply"):
        ours.loads("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError):
        ours.loads('{"x": ')


def test_jsn004_dash_answers_stay_on_the_standard_library(app) -> None:
    import plotly.io.json as plotly_json

    assert plotly_json.config.default_engine == "json", "plotly's orjson path is slower for components"


def _same(a: object, b: object) -> bool:
    """Equal with the same types all the way down; NaN equals NaN, and -0.0 differs from 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)
# Number texts as clients write them: long mantissas, exponents, signs, leading zeros refused.
_number_texts = st.from_regex(r"\A-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,24})?([eE][-+]?[0-9]{1,3})?\Z")


_OURS = NestingSafeJSONProvider(Flask(__name__))


@settings(max_examples=400, deadline=None)
@given(value=_values, ascii_only=st.booleans(), as_bytes=st.booleans())
def test_jsn005_bodies_read_by_orjson_equal_the_standard_librarys(value, ascii_only, as_bytes) -> None:
    ours = _OURS
    text = json.dumps({"records": [value]}, ensure_ascii=ascii_only)
    body = text.encode("utf-8", "surrogatepass") if as_bytes else text
    try:
        expected = json.loads(body)
    except ValueError:
        with pytest.raises(ValueError):
            ours.loads(body)
        return
    assert _same(ours.loads(body), expected), text


@settings(max_examples=400, deadline=None)
@given(number=_number_texts)
def test_jsn006_number_texts_read_as_the_standard_library_reads_them(number) -> None:
    ours = _OURS
    body = f'{{"x": [{number}, {number}]}}'.encode()
    assert _same(ours.loads(body), json.loads(body)), number


def test_jsn007_integers_beyond_64_bits_stay_exact_and_bad_bodies_are_refused_as_before(providers) -> None:
    ours, _ = providers
    for number in (2**63 - 1, 2**64 + 1, -(2**70), 10**30):
        assert ours.loads(f'{{"x": {number}}}'.encode())["x"] == number
    assert ours.loads(b'{"x": "\\ud800"}')["x"] == "\ud800", "a lone surrogate escape reads as before"
    assert ours.loads("\ufeff{}".encode("utf-8")) == {}, "a UTF-8 byte order mark reads as before"
    assert ours.loads('{"a": 1}'.encode("utf-16")) == {"a": 1}, "the standard library detects UTF-16"
    for bad in (b'{"x": }', b"\xff{}", b"[1,]", b""):
        with pytest.raises(ValueError):
            ours.loads(bad)
