"""Configuration: every ``PORTAL_*`` setting, declared once per area, parsed and checked at start-up.

Holds the declarations (``core``, ``embedding``, ``auth``, ``reports``, ``scheduler``), the value parsers, and
``Settings``, the one object that is read once and passed down. Importing ``portal.config``
gives ``Settings``, ``load_settings`` and ``ConfigError``.

May import: the standard library, ``models.drift_thresholds``, and its own modules. It runs
before native thread pools are capped, so it never imports numpy, pandas, Flask or Dash.
"""

from portal.config.setting import ConfigError, Setting
from portal.config.settings import DEFAULT_SECRET_KEY, SETTINGS, Settings, load_settings, markdown_table

__all__ = [
    "DEFAULT_SECRET_KEY",
    "SETTINGS",
    "ConfigError",
    "Setting",
    "Settings",
    "load_settings",
    "markdown_table",
]
