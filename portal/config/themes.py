"""Which Bootswatch themes this install can serve, found without importing the web stack.

Settings are read before native thread pools are capped and before Flask loads, so the theme
folder is located from the installed package's metadata rather than by importing it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

DEFAULT_THEME = "bootstrap"


def bootstrap5_static() -> Path:
    """The Bootstrap 5 assets shipped inside the installed Bootstrap-Flask package."""
    spec = importlib.util.find_spec("flask_bootstrap")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Bootstrap-Flask is not installed; reinstall the portal's dependencies")
    return Path(next(iter(spec.submodule_search_locations))).resolve() / "static" / "bootstrap5"


def available_themes() -> list[str]:
    """Plain Bootstrap plus every Bootswatch theme shipped in the package."""
    bootswatch = bootstrap5_static() / "css" / "bootswatch"
    names = sorted(p.name for p in bootswatch.iterdir() if (p / "bootstrap.min.css").is_file())
    return [DEFAULT_THEME, *names]
