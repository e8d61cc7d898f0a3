"""``portal models shadow NAME VERSION|--off``: put a version in shadow of the active one, or stop."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from models.registry import ModelRegistry, RegistryError
from portal.commands import CliError
from portal.commands.model_loop import cli_user
from portal.commands.ready import ready_engine
from portal.config import Settings
from portal.shadow import control


def add_action(actions: argparse._SubParsersAction, version: Callable[[str], int]) -> None:
    shadow = actions.add_parser(
        "shadow", help="score every live prediction of NAME with VERSION too, off the request path"
    )
    shadow.add_argument("name")
    shadow.add_argument("version", type=version, nargs="?", help="the version to shadow the active one")
    shadow.add_argument("--off", action="store_true", help="stop shadowing NAME")
    shadow.set_defaults(handler=shadow_model)


def shadow_model(settings: Settings, args: argparse.Namespace) -> int:
    """Start or end shadowing with an audit row; running workers read the marker on every prediction."""
    if args.off == (args.version is not None):
        raise CliError("give either a VERSION to shadow or --off, not both or neither")
    registry = ModelRegistry(settings.models_path)
    with ready_engine(settings) as engine:
        try:
            if args.off:
                ended = control.end(registry, engine, args.name, cli_user())
                line = f"{args.name}: shadowing of v{ended} ended" if ended else f"{args.name} has no shadow"
            else:
                record = control.start(registry, engine, args.name, args.version, cli_user())
                line = (
                    f"{args.name} v{record.version} now scores every live prediction in the shadow of "
                    f"v{registry.active_version(args.name)}; compare: /compare?model={args.name}"
                    f"&b={record.version}"
                )
        except RegistryError as exc:
            raise CliError(str(exc)) from None
        except SQLAlchemyError as exc:
            raise CliError(f"the audit could not be written ({type(exc).__name__})") from None
    sys.stdout.write(line + "\n")
    return 0
