"""gunicorn settings for ``gunicorn --config gunicorn.conf.py`` in a checkout; they live in the package."""

from portal.web.gunicorn_conf import *  # noqa: F403
