"""CSV exports of the portal's tables; the Overview grid's is streamed in chunks.

``GET /export/overview.csv?model=NAME[&version=N][&filter=<JSON filterModel>][&sort=<JSON sortModel>]``
``GET /export/models/NAME/versions.csv`` and ``GET /export/models/NAME/schema.csv[?version=N]``
``GET /export/drift.csv?model=NAME[&version=N]&window=WINDOW``: the Drift page's feature table
Every cell goes through ``portal.exports.safety.neutralise_frame``, so nothing runs as a spreadsheet
formula, while plain numbers (negative ones too) stay numbers. Bad parameters answer JSON 400/404.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
from flask import Blueprint, Response, request

from models import catalog, grid_query, population
from models.registry import ModelNotFound, RegistryError
from portal.exports.safety import neutralise_frame
from portal.monitoring import drift as drift_service
from portal.services import Services
from portal.web.errors import error_json

EXPORT_CHUNK_ROWS = 50_000


def _json_param(name: str, default: Any, kind: type) -> Any:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise grid_query.QueryError(f"parameter {name!r} is not valid JSON: {exc.msg}") from None
    if value is None:
        return default
    if not isinstance(value, kind):
        raise grid_query.QueryError(f"parameter {name!r} must be a JSON {kind.__name__}")
    return value


def _csv_chunk(frame: pd.DataFrame, header: bool) -> str:
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, index=False, header=header, date_format="%Y-%m-%d")
    return buffer.getvalue()


class BadParameter(ValueError):
    """A query parameter the export cannot use; answered as JSON 400."""


def _version_param() -> int | None:
    raw = request.args.get("version")
    if raw in (None, ""):
        return None
    try:
        version = int(str(raw).lower().removeprefix("v"))
    except ValueError:
        raise BadParameter(f"parameter 'version' must be a whole number, not {raw!r}") from None
    if version < 1:
        raise BadParameter(f"parameter 'version' must be 1 or more, not {raw!r}")
    return version


def csv_download(frame: pd.DataFrame, filename: str) -> Response:
    """A small table as a formula-safe CSV attachment."""
    return Response(
        _csv_chunk(frame, header=True),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def create_export_blueprint(services: Services) -> Blueprint:
    exports = Blueprint("exports", __name__, url_prefix="/export")

    @exports.errorhandler(BadParameter)
    def bad_parameter(exc: BadParameter) -> Any:
        return error_json(400, str(exc))

    @exports.get("/models/<name>/versions.csv")
    def versions_csv(name: str) -> Any:
        if name not in services.registry.names():
            return error_json(404, f"no model named {name!r}")
        try:
            frame = catalog.versions_frame(services.registry, name)
        except RegistryError as exc:
            return error_json(409, str(exc))
        return csv_download(frame, f"{name}-versions.csv")

    @exports.get("/models/<name>/schema.csv")
    def schema_csv(name: str) -> Any:
        version = _version_param()
        if name not in services.registry.names():
            return error_json(404, f"no model named {name!r}")
        try:
            record = services.registry.get(name, version)
        except ModelNotFound as exc:
            return error_json(404, str(exc))
        except RegistryError as exc:
            return error_json(409, str(exc))
        return csv_download(catalog.schema_frame(record), f"{name}-v{record.version}-schema.csv")

    @exports.get("/drift.csv")
    def drift_csv() -> Any:
        name = request.args.get("model", "")
        version = _version_param()
        if name not in services.registry.names():
            return error_json(
                404 if name else 400, f"no model named {name!r}" if name else "parameter 'model' is required"
            )
        try:
            record = services.registry.get(name, version)
            spec = drift_service.window_spec(name, version, request.args.get("window", ""))
            view = drift_service.drift_view(services, record, spec)
        except drift_service.WindowError as exc:
            return error_json(400, str(exc))
        except ModelNotFound as exc:
            return error_json(404, str(exc))
        except RegistryError as exc:
            return error_json(409, str(exc))
        table = view.result.table().drop(columns=["severity"])
        label = request.args.get("window", "").replace(":", "-")
        return csv_download(table, f"{name}-v{record.version}-drift-{label}.csv")

    @exports.get("/overview.csv")
    def overview_csv() -> Any:
        name = request.args.get("model", "")
        version = _version_param()
        if not name:
            return error_json(400, "parameter 'model' is required")
        if name not in services.registry.names():
            return error_json(404, f"no model named {name!r}")
        try:
            filter_model = _json_param("filter", {}, dict)
            sort_model = _json_param("sort", [], list)
            scored = population.scored_population(
                services.registry, services.settings.data_dir, name, version
            )
            # Validate (and memoise) the selection before streaming, so errors are JSON, not a cut file.
            grid_query.cached_select(scored, filter_model, sort_model)
        except grid_query.QueryError as exc:
            return error_json(400, str(exc))
        except ModelNotFound as exc:
            return error_json(404, str(exc))
        except RegistryError as exc:
            return error_json(409, str(exc))

        def generate() -> Iterator[str]:
            chunks = grid_query.iter_selected(scored, filter_model, sort_model, EXPORT_CHUNK_ROWS)
            for index, chunk in enumerate(chunks):
                yield _csv_chunk(chunk, header=index == 0)

        filename = f"{scored.name}-v{scored.version}-overview.csv"
        return Response(
            generate(),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return exports
