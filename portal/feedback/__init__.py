"""Feedback on logged predictions: the store, the Feedback page's rows, file uploads, labelled logs.

``labelled`` joins the prediction log with the latest feedback: the rows live performance and
retraining learn from. ``demo_outcomes`` gives the demo's logged history its lagged true outcomes.

May import: ``models``, the foundation (db, web) and ``portal.predlog``.
"""
