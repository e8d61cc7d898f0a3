"""Compare's "Most changed records" names a record by its id, or by its row when it has none."""

from __future__ import annotations

import math

from layouts.compare import _record_label


def test_cmr001_a_logged_row_without_an_id_shows_its_row_not_nan() -> None:
    assert _record_label({"record": math.nan, "row": 17}) == 17
    assert _record_label({"record": None, "row": 3}) == 3
    assert _record_label({"record": "", "row": 4}) == 4
    assert _record_label({"record": "C0011216", "row": 9}) == "C0011216"
