"""Watching deployed models and acting on it: the Drift page's data, version comparisons, promotions.

``drift_document`` is the Drift page's view as JSON, for ``GET /api/v1/models/<name>/drift``.

May import: ``models``, the foundation (config, db, services), ``portal.predlog``, and
``portal.security`` for the audit log.
"""
