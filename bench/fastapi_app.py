"""A bare FastAPI prediction endpoint: the floor the portal's REST API is measured against.

Runs in ``.venv-fastapi`` under uvicorn (standard extras, 2 workers) with native thread pools
capped like the portal's workers, on the same model file. No validation, cache, ids or logging.
"""

from __future__ import annotations

import os

import joblib
import pandas as pd
from fastapi import FastAPI
from threadpoolctl import threadpool_limits

threadpool_limits(1)
app = FastAPI()
_MODEL = joblib.load(os.environ["BENCH_MODEL_FILE"])


@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


@app.post("/predict")
async def predict(body: dict) -> dict:
    frame = pd.DataFrame.from_records(body["records"])
    if hasattr(_MODEL, "predict_proba"):
        return {"predictions": _MODEL.predict_proba(frame).tolist()}
    return {"predictions": _MODEL.predict(frame).tolist()}
