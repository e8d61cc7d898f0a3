"""Enterprise analytics portal: Dash pages, REST API, embeds and reports over scikit-learn models."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Lazy, so that reading config (e.g. in gunicorn.conf.py) does not import numpy or Dash
    # before the native thread pools are capped.
    if name == "create_app":
        from portal.app import create_app

        return create_app
    raise AttributeError(name)
