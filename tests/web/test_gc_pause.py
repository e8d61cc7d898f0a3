"""The collector pause nests across threads and always hands the collector back as it found it."""

from __future__ import annotations

import gc
import threading

from portal.web.gc_pause import collector_paused
from tests.api.test_predict_api import reference_records


def test_gcp001_nested_pauses_resume_only_when_the_last_ends() -> None:
    assert gc.isenabled()
    entered, release = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    with collector_paused():
        thread.start()
        assert entered.wait(10)
        assert not gc.isenabled()
    assert not gc.isenabled(), "the other request still holds the pause"
    release.set()
    thread.join(10)
    assert gc.isenabled()


def test_gcp002_a_collector_turned_off_by_the_process_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_gcp003_a_large_predict_and_a_refused_one_leave_the_collector_on(client, data_dir) -> None:
    _, records = reference_records(data_dir, "churn", rows=25)
    large = {"records": records * 40}  # 1,000 records: above the pause's body size
    assert client.post("/api/v1/models/churn/predict", json=large).status_code == 200
    assert gc.isenabled()
    bad = {"records": [{**records[0], "tenure_months": "many"}] * 1000}
    assert client.post("/api/v1/models/churn/predict", json=bad).status_code == 422
    assert gc.isenabled()
