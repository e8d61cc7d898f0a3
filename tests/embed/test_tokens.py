"""Embed tokens: scoped to one page, pinned query values, expiry, and tamper detection."""

from __future__ import annotations

import pytest

from portal.embed import tokens as embed_tokens
from portal.embed.tokens import TokenError

SECRET = "s" * 40


def test_tok001_token_opens_its_page_with_pinned_values() -> None:
    token = embed_tokens.issue(SECRET, "/overview", 3600, {"model": "churn"})
    grant = embed_tokens.verify(SECRET, token, "/overview")
    assert grant.page == "/overview"
    assert grant.allows({"model": "churn", "segment": "plan"})
    assert not grant.allows({"model": "revenue"})
    assert not grant.allows({})


def test_tok002_token_for_one_page_cannot_open_another() -> None:
    token = embed_tokens.issue(SECRET, "/overview", 3600)
    with pytest.raises(TokenError) as caught:
        embed_tokens.verify(SECRET, token, "/performance")
    assert caught.value.reason == "wrong-page"


def test_tok003_expired_altered_missing_and_foreign_tokens_are_refused() -> None:
    token = embed_tokens.issue(SECRET, "/overview", 60, now=1_000_000)
    with pytest.raises(TokenError) as expired:
        embed_tokens.verify(SECRET, token, "/overview", now=1_000_060)
    assert expired.value.reason == "expired"
    assert embed_tokens.verify(SECRET, token, "/overview", now=1_000_059).page == "/overview"
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad, reason in ((altered, "invalid"), ("", "missing"), (None, "missing")):
        with pytest.raises(TokenError) as caught:
            embed_tokens.verify(SECRET, bad, "/overview", now=1_000_000)
        assert caught.value.reason == reason
    with pytest.raises(TokenError) as foreign:
        embed_tokens.verify("t" * 40, token, "/overview", now=1_000_000)
    assert foreign.value.reason == "invalid"


@pytest.mark.parametrize(
    ("page", "ttl"), [("overview", 60), ("//evil.example/x", 60), ("/overview", 0), ("/overview", 10**9)]
)
def test_tok004_bad_page_or_ttl_is_refused_with_a_reason(page: str, ttl: int) -> None:
    with pytest.raises(ValueError, match=r"page must be|ttl must be"):
        embed_tokens.issue(SECRET, page, ttl)


def test_tok005_embed_path_carries_query_and_token() -> None:
    path = embed_tokens.embed_path(SECRET, "/overview", {"model": "churn", "segment": "plan"}, 600)
    assert path.startswith("/embed/overview?model=churn&segment=plan&token=")
