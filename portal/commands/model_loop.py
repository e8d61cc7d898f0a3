"""``portal models retrain|rollback`` and audited promotion: the continuous-improvement loop."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from models.comparison import summary_text
from models.population import prescore
from models.registry import ModelRegistry, RegistryError
from models.retrain import retrain
from models.schema import SchemaError
from portal.commands import CliError
from portal.commands.ready import ready_engine
from portal.config import Settings
from portal.feedback.labelled import labelled_window, training_rows
from portal.monitoring import promotions

log = logging.getLogger(__name__)
REPORT_JSON = "comparison.json"
REPORT_TEXT = "comparison.txt"


def add_actions(actions: argparse._SubParsersAction, version: Callable[[str], int]) -> None:
    retrain = actions.add_parser(
        "retrain", help="train a challenger like the active version on reference + labelled logged data"
    )
    retrain.add_argument("name")
    retrain.add_argument("--seed", type=int, default=0, help="seed of the held-out split (default 0)")
    retrain.set_defaults(handler=retrain_model)

    rollback = actions.add_parser("rollback", help="make an earlier VERSION of NAME active again")
    rollback.add_argument("name")
    rollback.add_argument("version", type=version, nargs="?", help="default: the previously active version")
    rollback.set_defaults(handler=rollback_model)


def cli_user() -> str:
    return os.environ.get("USER") or os.environ.get("LOGNAME") or "cli"


def switch_version(settings: Settings, name: str, version: int | None, rollback: bool) -> int:
    """Promote or roll back with an audit row; running workers follow the ACTIVE marker."""
    registry = ModelRegistry(settings.models_path)
    with ready_engine(settings) as engine:
        try:
            if rollback:
                switch = promotions.rollback(registry, engine, name, version, cli_user(), "cli")
            else:
                assert version is not None
                switch = promotions.promote(registry, engine, name, version, cli_user(), "cli")
        except RegistryError as exc:
            raise CliError(str(exc)) from None
        except SQLAlchemyError as exc:
            raise CliError(
                f"nothing changed: the audit could not be written ({type(exc).__name__})"
            ) from None
    prescore(registry, settings.data_dir, switch.model, switch.to_version)
    previous = f" (was v{switch.from_version})" if switch.from_version is not None else ""
    sys.stdout.write(f"{switch.model} v{switch.to_version} is now active{previous}\n")
    return 0


def rollback_model(settings: Settings, args: argparse.Namespace) -> int:
    return switch_version(settings, args.name, args.version, rollback=True)


def retrain_model(settings: Settings, args: argparse.Namespace) -> int:
    """Train, register inactive, compare on a shared hold-out, and write the report next to the version."""
    registry = ModelRegistry(settings.models_path)
    with ready_engine(settings) as engine:
        try:
            champion = registry.load(args.name)
            labelled = labelled_window(engine, champion.version)
            logged = training_rows(labelled, champion.version)
            result = retrain(registry, champion, logged, seed=args.seed)
        except (RegistryError, SchemaError) as exc:
            raise CliError(f"cannot retrain {args.name}: {exc}") from None
    folder = result.challenger.path
    write_atomic(folder / REPORT_JSON, json.dumps(result.report, indent=2, default=str))
    text = summary_text(result.report)
    write_atomic(folder / REPORT_TEXT, text)
    sys.stdout.write(
        f"registered {args.name} v{result.challenger.version} (inactive), trained on "
        f"{result.report['training']['reference_rows']} reference and "
        f"{result.report['training']['logged_rows']} labelled logged rows\n{text}"
        f"report: {folder / REPORT_JSON}\n"
        f"compare: /compare?model={args.name}&a={result.champion}&b={result.challenger.version}\n"
        f"promote: portal models promote {args.name} {result.challenger.version}\n"
    )
    return 0


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a report."""
    fd, temp = tempfile.mkstemp(prefix=".report-", dir=path.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(temp, path)


def read_report(folder: Path) -> dict[str, Any] | None:
    """The comparison report written when a version was retrained, if any."""
    try:
        return json.loads((folder / REPORT_JSON).read_text())
    except (OSError, json.JSONDecodeError):
        return None
