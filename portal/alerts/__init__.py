"""Monitoring alerts: rules from the reports file, their checks, the alert records and their notices.

``rules`` parses the ``alerts:`` list, ``evaluate`` judges a rule on the prediction log (dataset
drift, live performance), ``store`` keeps at most one open alert per rule and condition, ``notices``
delivers raised and resolved alerts, and ``check`` ties these together under the run lock.
``manage`` acknowledges and silences alerts and keeps ``mute`` windows, auditing each change;
``board`` is the Alerts page's read-only view (open and resolved alerts, their rules and holds).

May import: ``models``, the foundation (config, db), ``portal.predlog``, ``portal.feedback``,
``portal.monitoring``, ``portal.security.audit``, and the delivery, field and lock modules of
``portal.reports``.
"""
