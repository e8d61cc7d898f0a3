"""The notebook path: register a live model and show any portal page inline in Jupyter.

``register`` sends a fitted pipeline and its reference frame through the same checks and registry
as ``portal models register``. ``show`` runs the real portal app (the factory that ``wsgi.py``
serves) inside the kernel on loopback, on an embedded default (SQLite and a file cache under one
data dir, migrated first), and displays a page through Dash's Jupyter integration.

May import: anything in the project, ``portal.app`` and ``layouts`` included: like the CLI it sits
at the top, beside the factory, and only a notebook imports it.
"""

from __future__ import annotations

from portal.notebook.api import Registration, register, show, url
from portal.notebook.errors import NotebookError

__all__ = ["NotebookError", "Registration", "register", "show", "url"]
