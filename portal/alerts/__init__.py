"""Monitoring alerts: rules from the reports file and the pages, their checks, the alerts and notices.

``rules`` parses the ``alerts:`` list, ``rule_input`` checks a rule made from a page with the same
checker, ``rule_store`` keeps page rules (and ``all_rules`` joins them to the file's), ``evaluate``
judges a rule on the prediction log (dataset drift, one feature's drift, live performance, data
quality), ``store`` keeps at most one open alert per rule and condition, ``notices`` delivers raised
and resolved alerts, and ``check`` ties these together under the run lock.
``manage`` acknowledges and silences alerts and keeps ``mute`` windows, auditing each change;
``board`` is the Alerts page's read-only view (open and resolved alerts, their rules and holds).

May import: ``models``, the foundation (config, db), ``portal.predlog``, ``portal.feedback``,
``portal.monitoring``, ``portal.security.audit`` and ``roles``, and the delivery, field and lock modules of
``portal.reports``.
"""
