"""The prediction log: every prediction shown or returned, written even while the database is down.

``recorder`` writes rows (``documents`` builds their JSON) and falls back to the ``spool``;
``windows`` reads logged rows back as frames for drift, live performance and retraining;
``demo_history`` gives the demo months of history.

May import: ``models`` and the foundation (config, db, web).
"""
