"""Watching deployed models and acting on it: the Drift page's data, version comparisons, promotions.

May import: ``models``, the foundation (config, db, services), ``portal.predlog``, and
``portal.security`` for the audit log.
"""
