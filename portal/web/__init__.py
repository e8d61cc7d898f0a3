"""Web plumbing every feature shares: request ids, error pages, the Dash guard, theme, health, metrics.

Also the requester's name (``identity``), the URL controls of each page, and gunicorn's worker
pool and hooks.

May import: the foundation only (config, db, log, services, threads). Feature packages import
this package, so it never imports them.
"""
