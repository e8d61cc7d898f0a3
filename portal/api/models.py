"""/api/v1/models: list models, describe one, and predict with it."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import pandas as pd
from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from models import inference
from models.inference import Prediction
from models.registry import ModelNotFound, ModelVersion, RegistryError
from models.schema import validate_records
from portal.api.bodies import json_object_body
from portal.api.errors import ApiError
from portal.monitoring import refusals
from portal.predlog.background import OVERLAP_ROWS
from portal.security.principal import current_principal
from portal.services import Services
from portal.web.gc_pause import collector_paused

MAX_DETAILS = 100
# Bodies from this size (about 250 records) are scored with the cyclic collector paused (gc_pause).
LARGE_BODY_BYTES = 64 * 1024


def version_summary(record: ModelVersion) -> dict[str, Any]:
    return {
        "version": record.version,
        "task": record.task,
        "created_at": record.created_at,
        "metrics": record.metrics,
        "model_sha256": record.model_sha256,
    }


def model_document(record: ModelVersion, active: int) -> dict[str, Any]:
    """Metadata and schema of one version, as API clients need them to build requests."""
    return {
        "name": record.name,
        "active_version": active,
        **version_summary(record),
        "target": record.target,
        "classes": record.classes,
        "features": record.metadata["features"],
        "description": record.metadata.get("description", ""),
        "global_importance": record.metadata.get("global_importance", {}),
    }


def _parse_body(max_records: int) -> tuple[list[Any], int | None]:
    body = json_object_body(("records", "version"), '{"records": [{...}]}')
    records = body.get("records")
    if not isinstance(records, list):
        raise ApiError(400, '"records" must be a list of objects, one per row')
    if not records:
        raise ApiError(400, '"records" is empty: send at least one row')
    if len(records) > max_records:
        g.refused_count = len(records)
        raise ApiError(413, f"{len(records)} records is more than the limit of {max_records} per call")
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise ApiError(400, '"version" must be a positive integer, or left out for the active version')
    g.asked_version = version
    return records, version


def create_models_blueprint(services: Services) -> Blueprint:
    """Routes over the registry; the active version is re-read per request."""
    api = Blueprint("api_models", __name__)
    registry = services.registry

    def record_or_404(name: str, version: int | None = None) -> ModelVersion:
        try:
            return registry.get(name, version)
        except ModelNotFound as exc:
            raise ApiError(404, str(exc)) from None
        except RegistryError as exc:
            raise ApiError(503, str(exc)) from None

    @api.get("/models")
    def list_models() -> Response:
        items = []
        principal = current_principal()
        for name in registry.names():
            if principal is not None and not principal.may_use_model(name):
                continue  # an API token limited to some models does not see the others
            try:
                record = registry.get(name)
            except RegistryError as exc:
                items.append({"name": name, "error": str(exc)})
                continue
            items.append({"name": name, "active_version": record.version, **version_summary(record)})
        return jsonify(models=items)

    @api.get("/models/<name>")
    def get_model(name: str) -> Response:
        record = record_or_404(name)
        document = model_document(record, record.version)
        document["versions"] = [version_summary(v) for v in registry.versions(name)]
        return jsonify(document)

    @api.post("/models/<name>/predict")
    def predict(name: str) -> Response:
        # Announced before parsing, so a model call about to start can wait for these rows.
        pause = collector_paused() if (request.content_length or 0) >= LARGE_BODY_BYTES else nullcontext()
        with services.predict_batcher.arriving(name), pause:
            try:
                return _predict(name)
            except (ApiError, HTTPException) as exc:
                _count_refusal(name, exc)
                raise

    def _count_refusal(name: str, exc: ApiError | HTTPException) -> None:
        # Only registered models get rows: a request naming any model must not grow the table.
        status = exc.status if isinstance(exc, ApiError) else exc.code or 500
        if status >= 500 or name not in registry.names():
            return
        rows = getattr(g, "refused_records", None)
        if status == 422 and rows:
            counts = {reason: (1, found) for reason, found in rows.items()}
        elif status == 404 and getattr(g, "asked_version", None) is None:
            return  # the model has no loadable version: not the client's doing
        else:
            message = exc.message if isinstance(exc, ApiError) else str(exc.description)
            counts = {refusals.request_reason(status, message): (1, getattr(g, "refused_count", 0))}
        refusals.count_after_response(services.engine, name, counts)

    def _predict(name: str) -> Response:
        records, version = _parse_body(services.settings.api_max_records)
        record = record_or_404(name, version)
        frame, errors, warnings = validate_records(records, record.schema)
        if errors:
            g.refused_records = refusals.record_reasons(errors)
            shown = [e.to_dict() for e in errors[:MAX_DETAILS]]
            more = f" (first {MAX_DETAILS} shown)" if len(errors) > MAX_DETAILS else ""
            raise ApiError(422, f"{len(errors)} invalid value(s) in the records{more}", shown)
        # A large request builds its log documents while the model scores (native code, GIL released).
        overlap = len(frame) >= OVERLAP_ROWS
        features = services.prediction_log.prepare_features(frame) if overlap else None
        try:
            result = inference.predict(
                registry,
                services.inference_cache,
                name,
                frame,
                record.version,
                scorer=services.predict_batcher.predict,
            )
        except RegistryError as exc:
            raise ApiError(503, str(exc)) from None
        if features is not None:
            return _answer_overlapped(name, result, frame, features.result(), warnings)
        rows = result.records()
        prediction_ids = services.prediction_log.record_frame(result, frame, source="api")
        services.shadow.offer(result, frame, prediction_ids)
        return _answer(name, result, rows, prediction_ids, warnings)

    def _answer_overlapped(
        name: str, result: Prediction, frame: pd.DataFrame, features: list[str], warnings: list[Any]
    ) -> Response:
        """The answer encoded while the log rows are inserted and committed, sent once they are durable."""
        prediction_ids, durable = services.prediction_log.record_frame_later(result, frame, "api", features)
        try:
            response = _answer(name, result, result.records(), prediction_ids, warnings)
        finally:
            durable.result()  # the write's error, if any, wins over an encoding one: never lost silently
        services.shadow.offer(result, frame, prediction_ids)
        return response

    return api


def _answer(
    name: str, result: Prediction, rows: list[dict[str, Any]], prediction_ids: list[str], warnings: list[Any]
) -> Response:
    for row, prediction_id in zip(rows, prediction_ids, strict=True):
        row["prediction_id"] = prediction_id
    return jsonify(
        model=name,
        version=result.version,
        task=result.task,
        predictions=rows,
        warnings=[w.to_dict() for w in warnings[:MAX_DETAILS]],
    )
