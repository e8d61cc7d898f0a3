"""Component ids in one place, so layouts and callbacks never retype a string."""

from __future__ import annotations

# Shell
URL = "url"
NAVBAR = "navbar"

# Home
HOME_STATUS = "home-status"
HOME_REFRESH = "home-refresh"

# Models page
MODELS_SELECT = "models-select"
MODELS_VERSIONS = "models-versions"
MODELS_DETAIL = "models-detail"
MODELS_URL_STATE = "models-url-state"
MODELS_SAMPLE_ROW = "models-sample-row"
MODELS_SAMPLE_RESULT = "models-sample-result"
