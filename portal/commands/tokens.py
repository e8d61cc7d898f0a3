"""``portal tokens create|revoke|list``: API tokens for the REST API, managed by admins."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from models.registry import ModelRegistry
from portal.commands import CliError
from portal.commands.ready import ready_engine
from portal.config import Settings
from portal.security import api_tokens, audit


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser("create", help="create a token; its secret is printed once")
    create.add_argument("name", help="what the token is for, e.g. 'billing nightly job'")
    create.add_argument("--role", default="viewer", help="viewer, analyst or admin (default viewer)")
    create.add_argument("--models", default="", help="comma-separated model names it may use (default all)")
    create.add_argument("--days", type=_days, default=90, help="lifetime in days, 1-366 (default 90)")
    create.set_defaults(handler=create_token)

    revoke = actions.add_parser("revoke", help="revoke a token by its id (see 'portal tokens list')")
    revoke.add_argument("token_id")
    revoke.set_defaults(handler=revoke_token)

    listing = actions.add_parser("list", help="tokens with role, models, expiry and state")
    listing.set_defaults(handler=list_all)


def _days(raw: str) -> int:
    if not raw.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number of days")
    return int(raw)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def _known_models(settings: Settings) -> list[str]:
    return ModelRegistry(settings.models_path).names()


def create_token(settings: Settings, args: argparse.Namespace) -> int:
    """Print only the secret on stdout (scripts capture it); the id and expiry go to stderr."""
    try:
        name, role, models = api_tokens.check_inputs(
            args.name, args.role, args.models.split(","), args.days, _known_models(settings)
        )
    except api_tokens.TokenInputError as exc:
        raise CliError(str(exc)) from None
    with ready_engine(settings) as engine:
        secret, token = api_tokens.create(engine, name, role, models, args.days, _actor())
        audit.record(engine, "token.create", token.token_id, actor=_actor(), name=name, role=role.label)
    sys.stderr.write(f"token {token.token_id} ({role.label}) expires {token.expires_at:%Y-%m-%d %H:%M} UTC\n")
    sys.stdout.write(secret + "\n")
    return 0


def revoke_token(settings: Settings, args: argparse.Namespace) -> int:
    with ready_engine(settings) as engine:
        token = api_tokens.revoke(engine, args.token_id.strip(), settings.data_dir)
        if token is None:
            raise CliError(f"no token with id {args.token_id!r}; 'portal tokens list' shows them")
        audit.record(engine, "token.revoke", token.token_id, actor=_actor(), name=token.name)
    sys.stdout.write(f"revoked {token.token_id} ({token.name})\n")
    return 0


def list_all(settings: Settings, _args: argparse.Namespace) -> int:
    with ready_engine(settings) as engine:
        tokens = api_tokens.list_tokens(engine)
    write: Callable[[str], object] = sys.stdout.write
    if not tokens:
        write("no API tokens\n")
        return 0
    for token in tokens:
        state = "active" if token.active else ("revoked" if token.revoked_at else "expired")
        models = ",".join(token.models) or "all models"
        write(
            f"{token.token_id}  {token.name}  {token.role.label}  {models}  "
            f"expires {token.expires_at:%Y-%m-%d}  {state}\n"
        )
    return 0
