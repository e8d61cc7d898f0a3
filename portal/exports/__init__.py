"""Downloads of the portal's tables: spreadsheet-safe cells, and the CSV routes under ``/export``.

``safety`` neutralises cells a spreadsheet would run as formulas; ``routes`` streams the
Overview grid, the model tables and the Drift page's table as CSV.

May import: ``models``, the foundation (services, web) and ``portal.monitoring``.
"""
