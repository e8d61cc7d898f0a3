"""Walk every Flask route and every server-side Dash callback of an app, with sample arguments."""

from __future__ import annotations

from collections.abc import Iterator

SAMPLE_ARGS = {
    "name": "churn",
    "batch_id": "0" * 32,
    "fmt": "csv",
    "filename": "portal.css",
    "package_name": "dash",
    "fingerprinted_path": "dash-renderer/build/dash_renderer.v4_0_0m1.min.js",
    "path": "overview",
}


def route_requests(app) -> Iterator[tuple[str, str, str]]:
    """(endpoint, method, url) for each rule and method, arguments filled with samples."""
    for rule in app.server.url_map.iter_rules():
        url = rule.rule
        for argument in rule.arguments:
            url = _fill(url, argument)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def _fill(url: str, argument: str) -> str:
    import re

    return re.sub(r"<(?:[^:<>]+:)?" + argument + ">", SAMPLE_ARGS.get(argument, "x"), url)


def server_callbacks(app) -> list[str]:
    """Output keys of every callback that runs on the server (clientside ones never reach it)."""
    return [key for key, spec in app.callback_map.items() if spec.get("callback") is not None]
