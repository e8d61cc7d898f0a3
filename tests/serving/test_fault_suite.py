"""The fault suite, shortened: under load, a killed worker, a reload and Redis and PostgreSQL outages
lose no prediction-log row, duplicate none, and answer no request with a 5xx."""

from __future__ import annotations

import logging

import pytest

from tests.api.test_predict_api import reference_records
from tests.conftest import base_env
from tests.support.fault_suite import SHORT, run_suite

log = logging.getLogger(__name__)


@pytest.mark.gunicorn
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_flt001_faults_under_load_lose_and_duplicate_nothing(data_dir) -> None:
    record = reference_records(data_dir, "churn", rows=1)[1][0]
    result = run_suite(data_dir, base_env(data_dir), record, SHORT)
    for line in result.lines():
        log.info(line)
    summary = "\n".join(result.lines())
    assert result.answered_ids > 50, summary
    assert result.lost == [], summary
    assert result.duplicated == 0, summary
    assert all(report.server_errors == 0 for report in result.faults), summary
    assert all(report.dropped == 0 for report in result.faults if report.fault != "worker SIGKILL"), summary
    assert all(report.requests > 0 for report in result.faults), summary
