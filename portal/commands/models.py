"""``portal models list|register|promote|shadow``: manage registered model versions."""

from __future__ import annotations

import argparse
import logging
import pickle
import sys
from pathlib import Path

import joblib
import pandas as pd

from models import intake
from models.registry import ModelRegistry, RegistryError, validate_name
from portal.commands import CliError, model_loop, shadow
from portal.config import Settings

log = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="models, versions, and which version is active")
    listing.set_defaults(handler=list_models)

    register = actions.add_parser("register", help="register a fitted scikit-learn model file")
    register.add_argument("model_file", type=Path, help="joblib or pickle file of a fitted estimator")
    register.add_argument("--name", required=True, help="model name, e.g. churn")
    register.add_argument("--reference", required=True, type=Path, help="hold-out data, CSV or Parquet")
    register.add_argument("--target", required=True, help="target column in the reference data")
    register.add_argument("--activate", action="store_true", help="make the new version active")
    register.set_defaults(handler=register_model)

    promote = actions.add_parser("promote", help="make VERSION the active version of NAME")
    promote.add_argument("name")
    promote.add_argument("version", type=_version)
    promote.set_defaults(handler=promote_model)

    model_loop.add_actions(actions, _version)
    shadow.add_action(actions, _version)


def _version(raw: str) -> int:
    value = raw.lower().removeprefix("v")
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a version number such as 3 or v3")
    return int(value)


def _registry(settings: Settings) -> ModelRegistry:
    return ModelRegistry(settings.models_path)


def list_models(settings: Settings, _args: argparse.Namespace) -> int:
    """Print one line per version, marking the active one."""
    registry = _registry(settings)
    names = registry.names()
    if not names:
        sys.stdout.write(f"no models registered under {settings.models_path}\n")
        return 0
    sys.stdout.write(f"{'MODEL':<16} {'VERSION':<8} {'ACTIVE':<7} {'TASK':<15} {'CREATED':<26} METRICS\n")
    # ACTIVE shows * for the active version and "shadow" for the version scoring in its shadow.
    for name in names:
        try:
            active = registry.active_version(name)
            shadowed = registry.shadow_version(name)
            versions = registry.versions(name)
        except RegistryError as exc:
            sys.stdout.write(f"{name:<16} error: {exc}\n")
            continue
        for v in versions:
            metrics = ", ".join(f"{k}={val:.4g}" for k, val in v.metrics.items() if isinstance(val, float))
            mark = "*" if v.version == active else "shadow" if v.version == shadowed else ""
            sys.stdout.write(
                f"{name:<16} {v.version:<8} {mark:<7} {v.task:<15} {v.created_at:<26} {metrics}\n"
            )
    return 0


def read_table(path: Path) -> pd.DataFrame:
    """Read CSV or Parquet reference data, with a message that says why a file cannot be used."""
    if not path.is_file():
        raise CliError(f"reference file {path} does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix in {".parquet", ".pq"}:
            return pd.read_parquet(path)
        if suffix in {".csv", ".txt"}:
            return pd.read_csv(path, encoding="utf-8")
    except UnicodeDecodeError:
        raise CliError(f"{path} is not UTF-8 text; save it as UTF-8 CSV") from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise CliError(f"{path} could not be read as {suffix[1:].upper()}: {exc}") from None
    raise CliError(f"{path}: reference data must be .csv or .parquet, not {suffix or 'no extension'}")


def load_estimator(path: Path) -> object:
    """Unpickle a model file. Model files are trusted code: unpickling runs whatever they contain."""
    if not path.is_file():
        raise CliError(f"model file {path} does not exist")
    try:
        return joblib.load(path)
    except (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise CliError(f"{path} is not a joblib or pickle model file ({type(exc).__name__})") from None
    except (ModuleNotFoundError, AttributeError) as exc:
        raise CliError(f"{path} needs code that is not installed here: {exc}") from None


def register_model(settings: Settings, args: argparse.Namespace) -> int:
    """Validate, describe and store the model; nothing is written unless all of it succeeds."""
    try:
        validate_name(args.name)
    except RegistryError as exc:
        raise CliError(str(exc)) from None
    estimator = load_estimator(args.model_file)
    reference = read_table(args.reference)
    naming = intake.Naming(subject=str(args.model_file), source=str(args.reference), target_option="--target")
    try:
        version = intake.register_checked(
            _registry(settings),
            settings.data_dir,
            args.name,
            estimator,
            reference,
            args.target,
            naming,
            activate=args.activate,
        )
    except RegistryError as exc:
        raise CliError(str(exc)) from None
    sys.stdout.write(intake.registration_line(version) + "\n")
    return 0


def promote_model(settings: Settings, args: argparse.Namespace) -> int:
    """Point the active marker at another version; running portals pick it up on next use."""
    return model_loop.switch_version(settings, args.name, args.version, rollback=False)
