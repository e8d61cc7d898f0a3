"""API tokens for the REST API: a random secret shown once, kept only as its SHA-256.

A token names a role and optionally the models it may use, and expires; revoking it takes
effect on the next request because every request looks the hash up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa

from portal.db.auth import api_tokens
from portal.security import token_cache
from portal.security.roles import Role
from portal.security.token_cache import TokenCache

PREFIX = "pt_"
MAX_TTL_DAYS = 366
# "Last used" is written at most this often per token, so API calls stay reads, not writes.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
_TOKEN = re.compile(r"pt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
_NAME = re.compile(r"[\w .@:/-]{1,200}")


class TokenInputError(ValueError):
    """A bad name, role, model list or lifetime; the message says what to send."""


@dataclasses.dataclass(frozen=True)
class ApiToken:
    token_id: str
    name: str
    role: Role
    models: tuple[str, ...]
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and _aware(self.expires_at) > _now()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_inputs(
    name: str, role: str, models: Iterable[str], ttl_days: int, known_models: Iterable[str]
) -> tuple[str, Role, tuple[str, ...]]:
    """Validate what an admin typed; returns (name, Role, models) or raises TokenInputError."""
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise TokenInputError("give the token a name of 1-200 letters, digits, spaces or . @ : / - _")
    try:
        parsed_role = Role.parse(role)
    except ValueError as exc:
        raise TokenInputError(str(exc)) from None
    wanted = tuple(dict.fromkeys(m.strip() for m in models if m.strip()))
    unknown = sorted(set(wanted) - set(known_models))
    if unknown:
        raise TokenInputError(f"unknown model(s): {', '.join(unknown)}")
    if not isinstance(ttl_days, int) or not 1 <= ttl_days <= MAX_TTL_DAYS:
        raise TokenInputError(f"the lifetime must be 1 to {MAX_TTL_DAYS} days")
    return name, parsed_role, wanted


def create(
    engine: sa.Engine,
    name: str,
    role: Role,
    models: tuple[str, ...],
    ttl_days: int,
    created_by: str,
) -> tuple[str, ApiToken]:
    """Store a new token and return the secret (shown once) with its record."""
    token_id = secrets.token_hex(8)
    secret = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    now = _now()
    row = {
        "token_id": token_id,
        "name": name,
        "secret_hash": hash_secret(secret),
        "role": role.label,
        "models": ",".join(models),
        "created_by": created_by,
        "created_at": now,
        "expires_at": now + dt.timedelta(days=ttl_days),
    }
    with engine.begin() as conn:
        conn.execute(api_tokens.insert().values(**row))
    return secret, _record({**row, "revoked_at": None, "last_used_at": None})


def revoke(engine: sa.Engine, token_id: str, data_dir: Path | str) -> ApiToken | None:
    """Mark a token revoked; None when no such token exists. Revoking twice keeps the first time.

    Then every worker sharing ``data_dir`` forgets the tokens it keeps (``token_cache``).
    """
    with engine.begin() as conn:
        conn.execute(
            api_tokens.update()
            .where(api_tokens.c.token_id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=_now())
        )
        row = conn.execute(sa.select(api_tokens).where(api_tokens.c.token_id == token_id)).mappings().first()
    token_cache.mark_changed(data_dir)
    return _record(row) if row else None


def list_tokens(engine: sa.Engine) -> list[ApiToken]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(api_tokens).order_by(api_tokens.c.created_at.desc())).mappings()
        return [_record(row) for row in rows]


# Built once: every API request runs it, and a statement built per call costs more than the lookup.
_BY_SECRET_HASH = sa.select(api_tokens).where(api_tokens.c.secret_hash == sa.bindparam("digest")).limit(1)


def authenticate(engine: sa.Engine, presented: str, cache: TokenCache | None = None) -> ApiToken | None:
    """The active token matching a presented secret, or None (malformed, unknown, revoked, expired).

    With a ``cache``, a token authenticated moments ago in this worker is not looked up again.
    """
    if not _TOKEN.fullmatch(presented):
        return None
    digest = hash_secret(presented)
    if cache is not None:
        return cache.lookup(digest, lambda: _authenticate(engine, digest))
    return _authenticate(engine, digest)


def _authenticate(engine: sa.Engine, digest: str) -> ApiToken | None:
    with engine.connect() as conn:
        row = conn.execute(_BY_SECRET_HASH, {"digest": digest}).mappings().first()
    if row is None:
        return None
    token = _record(row)
    if not token.active:
        return None
    now = _now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        with engine.begin() as conn:
            conn.execute(
                api_tokens.update().where(api_tokens.c.token_id == token.token_id).values(last_used_at=now)
            )
    return token


def _record(row) -> ApiToken:
    return ApiToken(
        token_id=row["token_id"],
        name=row["name"],
        role=Role.parse(row["role"]),
        models=tuple(m for m in (row["models"] or "").split(",") if m),
        created_by=row["created_by"],
        created_at=_aware(row["created_at"]),
        expires_at=_aware(row["expires_at"]),
        revoked_at=_aware(row["revoked_at"]) if row["revoked_at"] else None,
        last_used_at=_aware(row["last_used_at"]) if row["last_used_at"] else None,
    )
