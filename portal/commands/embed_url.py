"""``portal embed-url PAGE --query ... --ttl 1h``: print a signed link for an intranet iframe."""

from __future__ import annotations

import argparse
import sys

import layouts
from models.registry import ModelRegistry
from portal.commands import CliError
from portal.config import Settings
from portal.embed import links as embed_links
from portal.security.policy import embeddable

WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("page", help="page path, e.g. /overview, /what-if, /performance, /models or /")
    parser.add_argument("--query", default="", help="the page's query, e.g. 'model=churn&segment=plan'")
    parser.add_argument("--ttl", default="1h", help="how long the link works: 90s, 15m, 1h, 7d (default 1h)")
    parser.add_argument(
        "--base-url",
        help="the portal's public address (default PORTAL_PUBLIC_URL, else http://HOST:PORT)",
    )
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Validate everything first, then print only the URL, so scripts can capture it."""
    try:
        index = layouts.page_index()
        pages = index.paths
        page = embed_links.resolve_page(args.page, [*pages, *index.admin_paths], embeddable(pages))
        ttl = embed_links.parse_ttl(args.ttl)
        query = embed_links.parse_query_string(args.query)
        query = embed_links.check_query(query, ModelRegistry(settings.models_path).names())
        base = args.base_url or settings.public_url or default_base_url(settings)
        base_url = embed_links.check_base_url(base)
        link = embed_links.issue_link(settings.secret_key, base_url, page, query, ttl, subject="cli")
    except embed_links.LinkError as exc:
        raise CliError(str(exc)) from None
    sys.stdout.write(link.url + "\n")
    return 0


def default_base_url(settings: Settings) -> str:
    """Where ``portal serve`` listens; a wildcard bind address is reached through localhost."""
    host = "localhost" if settings.host in WILDCARD_HOSTS else settings.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}"
