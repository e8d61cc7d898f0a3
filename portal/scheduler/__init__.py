"""The scheduler: every scheduled report and alert check, run on its cron by one of any number of schedulers.

Its state (each job's next run, the fate of each fire, each instance's tick) is in the database;
``sources`` turns definitions into jobs, ``loop`` claims and runs what is due under a per-run lock
(``lease``), ``sidecar`` runs it inside gunicorn, ``status`` reads the state back for people.

May import: ``models``, the foundation, ``portal.reports`` and ``portal.alerts``; it sits above
both because it runs both.
"""
