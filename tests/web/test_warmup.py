"""The warm-up loads what the pages read, for every model, before any request; a broken model is skipped."""

from __future__ import annotations

import json
import logging

from models import population
from portal.web.warmup import warm_up


def test_wrm001_every_active_model_is_loaded_and_scored_before_a_request(app, caplog) -> None:
    services = app.server.extensions["portal.services"]
    caplog.set_level(logging.INFO, logger="portal.web.warmup")
    assert warm_up(services) == ["churn", "revenue"]
    assert {(name, 1) for name in ("churn", "revenue")} <= set(services.registry._loaded)
    memo_keys = " ".join(population._frames)
    assert "churn" in memo_keys and "revenue" in memo_keys, "the scored populations are in this process"
    assert any(record.getMessage() == "warmed up" for record in caplog.records)


def test_wrm002_a_broken_model_is_skipped_and_named_while_the_others_warm(app, data_dir, caplog) -> None:
    services = app.server.extensions["portal.services"]
    metadata_file = data_dir / "models" / "revenue" / "1" / "metadata.json"
    metadata = json.loads(metadata_file.read_text())
    metadata["model_sha256"] = "0" * 64  # the file on disk no longer matches: loading is refused
    metadata_file.write_text(json.dumps(metadata))
    services.registry._records.clear()
    caplog.set_level(logging.WARNING, logger="portal.web.warmup")
    assert warm_up(services) == ["churn"]
    assert any(getattr(record, "model", None) == "revenue" for record in caplog.records)
