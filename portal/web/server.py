"""The portal's Flask class: Flask, minus per-request work whose answer never changes.

Flask asks ``inspect.iscoroutinefunction`` about every hook and view of every request (about 17
for a Dash callback); whether a function is a coroutine function cannot change, so it is asked
once per function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

# Hooks, views and error handlers are registered once; the bound stops a caller that makes a new
# function per request from growing the memo without end.
MAX_REMEMBERED = 4096


class PortalFlask(Flask):
    """Flask with :meth:`ensure_sync` remembered per function."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_forms: dict[Any, Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's answer for ``func`` (itself, or a wrapper running a coroutine), computed once."""
        try:
            return self._sync_forms[func]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)
        sync = super().ensure_sync(func)
        if len(self._sync_forms) < MAX_REMEMBERED:
            self._sync_forms[func] = sync
        return sync
