"""Query parameters and the model version they name, checked the same way by every monitoring resource."""

from __future__ import annotations

from flask import request

from models.registry import ModelNotFound, ModelRegistry, ModelVersion, RegistryError
from portal.api.errors import ApiError


def single(name: str, default: str | None = None) -> str | None:
    """A query parameter given at most once, stripped; ``default`` when absent."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError(400, f"parameter {name!r} is given {len(values)} times; give it once")
    return values[0].strip() if values else default


def version() -> int | None:
    """``?version=N`` as a positive integer; None when absent (the active version)."""
    raw = single("version")
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ApiError(400, f"parameter 'version' must be a positive integer, not {raw[:80]!r}")
    return int(raw)


def model_version(registry: ModelRegistry, name: str, asked: int | None) -> ModelVersion:
    """The version asked for (``?version=``, None for the active one): 404 unknown, 503 unreadable."""
    try:
        return registry.get(name, asked)
    except ModelNotFound as exc:
        raise ApiError(404, str(exc)) from None
    except RegistryError as exc:
        raise ApiError(503, str(exc)) from None
