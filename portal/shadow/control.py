"""Start and end shadowing, checked and audited: the page, the CLI and tests share these two calls."""

from __future__ import annotations

import sqlalchemy as sa

from models.registry import ModelRegistry, ModelVersion, RegistryError
from portal.security import audit


def start(
    registry: ModelRegistry, engine: sa.Engine, name: str, version: int, actor: str | None = None
) -> ModelVersion:
    """Shadow ``version`` of ``name``: it must be a registered, non-active version taking the live inputs."""
    active = registry.get(name)
    candidate = registry.get(name, version)
    if candidate.version == active.version:
        raise RegistryError(f"{name} v{version} is the active version; shadow another version")
    if candidate.task != active.task:
        raise RegistryError(
            f"{name} v{version} is a {candidate.task} model and v{active.version} a {active.task} one;"
            " a shadow must answer the same question"
        )
    missing = sorted(set(candidate.feature_names) - set(active.feature_names))
    if missing:
        raise RegistryError(
            f"{name} v{version} needs {', '.join(missing)}, which v{active.version}'s callers do not send"
        )
    before = registry.shadow_version(name)
    registry.start_shadow(name, candidate.version)
    audit.record(engine, "model.shadow", f"{name} v{candidate.version}", actor, replaced=before)
    return candidate


def end(registry: ModelRegistry, engine: sa.Engine, name: str, actor: str | None = None) -> int | None:
    """Stop shadowing ``name``; the version that was shadowed, or None when none was."""
    registry.get(name)
    version = registry.end_shadow(name)
    if version is not None:
        audit.record(engine, "model.shadow_end", f"{name} v{version}", actor)
    return version
