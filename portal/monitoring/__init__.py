"""Watching deployed models and acting on it: the Drift page's data, version comparisons, promotions.

``drift_document`` is the Drift page's view as JSON, for ``GET /api/v1/models/<name>/drift``;
``estimated`` is estimated (no labels) and realized performance per period, ``estimated_document``
its JSON for ``GET /api/v1/models/<name>/performance``.

May import: ``models``, the foundation (config, db, services), ``portal.predlog``, and
``portal.security`` for the audit log.
"""
