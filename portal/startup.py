"""Start-up shared by wsgi.py and gunicorn's settings: read the settings, then cap native thread pools.

Both run before numpy or scikit-learn is imported, which is the only moment the OpenMP and BLAS
pool sizes can still be set through the environment.
"""

from __future__ import annotations

import sys

from portal.config import ConfigError, Settings, load_settings
from portal.threads import cap_thread_env


def settings_or_exit() -> Settings:
    """The settings, with thread pools capped; a config mistake exits 2 with one line and no traceback."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        # A config mistake is the operator's to fix: say what, without a traceback.
        sys.stderr.write(f"portal: configuration error: {exc}\n")
        raise SystemExit(2) from None
    cap_thread_env(settings.native_threads)
    return settings
