"""The prediction log: every prediction shown or returned, written even while the database is down.

``recorder`` writes rows (``documents`` builds their JSON, ``group_commit`` shares transactions
between concurrent requests, ``inserts`` sends them as multi-row statements, ``checkpoint`` moves a
large write's SQLite checkpoint to a thread, ``day_counts`` keeps rows per day) and falls back to
the ``spool``;
``windows`` reads logged rows back (``parsing`` types them) for drift, live performance and
retraining, sampled when large; ``estimates`` reads one day's output column in chunks for
estimated performance; ``demo_history`` gives the demo months of history.

May import: ``models`` and the foundation (config, db, web).
"""
