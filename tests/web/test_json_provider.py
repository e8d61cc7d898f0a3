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
