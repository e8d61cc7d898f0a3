"""The portal a notebook runs: the real app on an embedded default, served on loopback in the kernel.

Everything lives under one data dir: the model registry, the SQLite database (migrated as
``portal db upgrade`` does), the file cache and the job store. The kernel's own ``PORTAL_*``
variables are ignored, so a notebook never migrates or writes to a shared database because of a
variable left over in the shell that started Jupyter; ``PORTAL_DATA_DIR=<that dir> portal serve``
later serves the same models and logs.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import shutil
import socket
import tempfile
import threading
from pathlib import Path
from typing import Any

import dash
from dash import jupyter_dash

from models.registry import ModelRegistry
from portal.app import create_app
from portal.config import ConfigError, Settings, load_settings
from portal.db import migrate
from portal.notebook.errors import NotebookError
from portal.notebook.loopback import init_loopback_guard, init_thread_caps
from portal.security import policy

log = logging.getLogger(__name__)
LOOPBACK = "127.0.0.1"
# Who may frame the pages: a notebook UI on any loopback port (Jupyter Notebook and JupyterLab at
# http://localhost:8888 or 127.0.0.1, VS Code's webviews). No other site may, so a page on the web
# cannot put this admin-for-everyone portal in a frame and steer the visitor's clicks.
NOTEBOOK_FRAME_ANCESTORS: tuple[str, ...] = (
    "'self'",
    "http://127.0.0.1:*",
    "http://localhost:*",
    "https://127.0.0.1:*",
    "https://localhost:*",
    "vscode-webview:",
    "vscode-file:",
)
# One random secret per kernel: sessions and signed links of one notebook run mean nothing to the next.
_SECRET = secrets.token_urlsafe(32)
NOT_FOR_THE_NOTEBOOK = ("HOST", "PORT")


def notebook_settings(data_dir: Path, port: int | None = None) -> Settings:
    """Settings of the embedded default under ``data_dir``, whatever the kernel's environment says."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PORTAL_") and name not in NOT_FOR_THE_NOTEBOOK
    }
    environ.update(
        PORTAL_DATA_DIR=str(data_dir),
        PORTAL_AUTH="none",
        PORTAL_SECRET_KEY=_SECRET,
        PORTAL_LOG_LEVEL="warning",
        PORTAL_LOG_FORMAT="text",
        PORTAL_WARMUP="false",
        HOST=LOOPBACK,
    )
    if port is not None:
        environ["PORT"] = str(port)
    try:
        return load_settings(environ, frame_ancestors=NOTEBOOK_FRAME_ANCESTORS)
    except ConfigError as exc:  # e.g. a malformed OTEL_* variable in the kernel's environment
        raise NotebookError(f"the notebook portal cannot start: {exc}") from None


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def require_kernel() -> None:
    """Dash's Jupyter support serves and displays only inside a running IPython kernel."""
    if not jupyter_dash.active:
        raise NotebookError(
            "show() and url() serve pages from inside a Jupyter kernel, and none is running here "
            "(or the notebook extra is missing: pip install 'analytics-portal[notebook]'); outside "
            "a notebook, serve the same data dir with PORTAL_DATA_DIR=<data dir> portal serve"
        )


class EmbeddedPortal:
    """One data dir's registry, and the portal app serving it in this kernel once a page is shown."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.settings = notebook_settings(data_dir)
        self.registry = ModelRegistry(self.settings.models_path)
        self._base_url: str | None = None
        self._app: dash.Dash | None = None
        self._lock = threading.Lock()

    def build_app(self, port: int) -> dash.Dash:
        """The portal app for ``port``: database migrated first, loopback guard and thread caps on."""
        settings = notebook_settings(self.data_dir, port)
        migrate.upgrade_url(settings.sqlalchemy_url)
        app = create_app(settings)
        init_loopback_guard(app.server, port)
        init_thread_caps(app.server, settings.native_threads)
        # Dash polls this route until the server answers; it says "Alive" and nothing else.
        policy.declare(app.server, f"/_alive_{jupyter_dash.alive_token}", policy.PUBLIC)
        return app

    def base_url(self) -> str:
        """Start the server on first use, with Dash's Jupyter integration; its address after that."""
        with self._lock:
            if self._base_url is None:
                require_kernel()
                port = free_port()
                base = f"http://{LOOPBACK}:{port}"
                app = self.build_app(port)
                # "_none": Dash starts the threaded server and waits until it answers; the caller
                # displays the page it was asked for, since Dash's own iframe shows only "/".
                app.run(jupyter_mode="_none", host=LOOPBACK, port=port, debug=False, jupyter_server_url=base)
                self._app, self._base_url = app, base
                log.info("notebook portal serving", extra={"url": base, "data_dir": str(self.data_dir)})
            return self._base_url


_portals: dict[Path, EmbeddedPortal] = {}
_temporary: list[Path] = []
_session_lock = threading.Lock()


def portal_for(data_dir: Any) -> EmbeddedPortal:
    """The kernel's portal for ``data_dir``; None means one temporary dir for the whole session."""
    with _session_lock:
        path = _temporary_dir() if data_dir is None else checked_data_dir(data_dir)
        if path not in _portals:
            _portals[path] = EmbeddedPortal(path)
        return _portals[path]


def checked_data_dir(data_dir: Any) -> Path:
    """A writable folder, created when missing; anything else is refused with what is wrong."""
    if not isinstance(data_dir, str | os.PathLike) or not str(data_dir).strip():
        raise NotebookError(f"data_dir must be a folder path, not {data_dir!r}")
    path = Path(data_dir).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise NotebookError(f"data_dir {path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NotebookError(f"data_dir {path} cannot be created: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise NotebookError(f"data_dir {path} is not writable")
    return path


def _temporary_dir() -> Path:
    if not _temporary:
        path = Path(tempfile.mkdtemp(prefix="portal-notebook-")).resolve()
        # A temporary dir is the caller's choice not to keep anything: remove it with the kernel.
        atexit.register(shutil.rmtree, path, ignore_errors=True)
        _temporary.append(path)
    return _temporary[0]
