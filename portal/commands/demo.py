"""``portal demo``: generate the demo dataset and register the demo models."""

from __future__ import annotations

import argparse
import logging

import sqlalchemy as sa

from models.demo import build_demo
from models.population import prescore
from models.registry import ModelRegistry, RegistryError
from portal.commands import CliError
from portal.config import Settings
from portal.db.engine import create_engine
from portal.feedback.demo_outcomes import DemoOutcomes
from portal.predlog.demo_history import backfill, today_midnight
from portal.predlog.recorder import PredictionLog
from portal.predlog.spool import spool_dir

log = logging.getLogger(__name__)


def _rows(raw: str) -> int:
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
    if not 1_000 <= value <= 5_000_000:
        raise argparse.ArgumentTypeError("rows must be between 1000 and 5000000")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=_rows, default=200_000, help="rows to generate (default 200000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--if-missing", action="store_true", help="do nothing when any model is already registered"
    )
    parser.add_argument(
        "--no-history", action="store_true", help="do not log the last months as past predictions"
    )
    parser.add_argument(
        "--no-outcomes",
        action="store_true",
        help="log the history without its simulated outcomes (feedback with source demo)",
    )
    parser.set_defaults(handler=run)


def log_history(settings: Settings, registry: ModelRegistry, names: list[str], outcomes: bool = True) -> None:
    """Backfill the prediction log with the demo's last months ending yesterday, and their outcomes.

    The outcomes (feedback with source ``demo``) arrive with a lag, so live performance, retraining
    and Compare have labelled rows on a fresh install.
    """
    engine = create_engine(settings.sqlalchemy_url)
    prediction_log = PredictionLog(engine, spool_dir(settings.data_dir))
    anchor = today_midnight()
    try:
        for name in names:
            record = registry.get(name)
            labels = DemoOutcomes(engine, record, anchor) if outcomes else None
            logged = backfill(registry, prediction_log, name, anchor=anchor, on_logged=labels)
            if labels is not None:
                log.info("gave %d of %d demo predictions of %s an outcome", labels.stored, logged, name)
    except sa.exc.SQLAlchemyError as exc:
        raise CliError(f"could not log the demo history (run `portal db upgrade` first?): {exc}") from None
    finally:
        prediction_log.stop()
        engine.dispose()


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Build the demo unless ``--if-missing`` finds models already registered."""
    registry = ModelRegistry(settings.models_path)
    if args.if_missing and registry.names():
        log.info("models already registered (%s); skipping the demo", ", ".join(registry.names()))
        return 0
    log.info("building the demo with %d rows; this takes a little while", args.rows)
    try:
        versions = build_demo(registry, settings.data_dir / "datasets", rows=args.rows, seed=args.seed)
    except (RegistryError, OSError) as exc:
        raise CliError(f"demo failed: {exc}") from None
    for version in versions:
        log.info("registered %s v%d (%s)", version.name, version.version, version.metrics)
        prescore(registry, settings.data_dir, version.name, version.version)
    if not args.no_history:
        log_history(settings, registry, [v.name for v in versions], outcomes=not args.no_outcomes)
    return 0
