"""Shadow deployment: a registered version scores live traffic beside the active one, off the request path.

``scorer`` queues live predictions (bounded; overflow is dropped and counted) and scores them in
batches on a background thread; ``rows`` shapes what is stored; ``control`` starts and ends
shadowing with its checks and audit; ``agreement`` is what Compare shows, computed by the database.

May import: ``models``, the foundation (config, db, services), and ``portal.security`` for the audit log.
"""
