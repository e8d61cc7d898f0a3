"""Home's fleet view: each registered model's health at a glance, and where to look next.

``fleet`` reads one item at a time (version, traffic, drift, performance, alerts, batches, a
waiting challenger) from the other features' aggregates; nothing imports it but the Home page.

May import: ``models``, the foundation (config, db), ``portal.predlog``, ``portal.feedback``,
``portal.monitoring`` and ``portal.alerts``.
"""
