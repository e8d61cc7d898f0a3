"""The report scheduler: every scheduled report and alert check, run on its cron by one process.

May import: ``models``, the foundation, ``portal.reports`` and ``portal.alerts``; it sits above
both because it runs both.
"""
