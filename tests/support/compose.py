"""Read compose.yaml the way ``docker compose`` does: YAML with merge keys, then ${VAR} interpolation.

The compose tests use it, and so can any test that starts the stack's services as local processes:
each app service's ``command`` is a ``portal`` subcommand and its ``environment`` its settings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}; $$ is a literal $.
_REFERENCE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingVariable(Exception):
    """A ${NAME:?message} reference whose variable is unset (or empty)."""


def env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """NAME=value lines, as compose reads .env (no quotes used in ours)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def references(text: str | None = None) -> set[str]:
    """Every variable compose.yaml interpolates."""
    text = COMPOSE_FILE.read_text() if text is None else text
    return {m.group("name") for m in _REFERENCE.finditer(text) if m.group("name")}


def interpolate(value: str, env: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg") or ""
        current = env.get(name)
        missing = current is None or (op is not None and op.startswith(":") and current == "")
        if op in (":?", "?") and missing:
            raise MissingVariable(f"{name}: {arg}")
        if op in (":-", "-") and missing:
            return arg
        return current or ""

    return _REFERENCE.sub(substitute, value)


def _walk(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_walk(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _walk(value, env) for key, value in node.items()}
    return node


def load(env: Mapping[str, str]) -> dict[str, Any]:
    """compose.yaml with every ${...} resolved from ``env``."""
    return _walk(yaml.safe_load(COMPOSE_FILE.read_text()), env)


def portal_services(stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the portal image (the others are stock postgres, redis and nginx)."""
    image = stack["x-portal-image"]["image"]
    return {name: service for name, service in stack["services"].items() if service.get("image") == image}
