"""Helpers for batch tests: valid demo rows, and uploading bytes through the real route."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture()
def good_frame(data_dir: Path) -> pd.DataFrame:
    """Valid rows from the demo population, with its extra (non-input) columns."""
    metadata = json.loads((data_dir / "models" / "churn" / "1" / "metadata.json").read_text())
    return pd.read_parquet(metadata["population"]).head(40).reset_index(drop=True)


@pytest.fixture()
def services(app):
    return app.server.extensions["portal.services"]


def upload(client, content: bytes, filename: str, model: str = "churn"):
    return client.post(
        f"/batch/upload?model={model}&filename={filename}",
        data=content,
        content_type="application/octet-stream",
    )
