"""Scheduled screenshot reports: definitions, rendering in the system Chromium, checks, delivery, history.

``definitions`` and ``fields`` read the reports file, ``targets`` turns a page into a signed embed
URL, ``render`` and ``verify`` capture and check it, ``deliver`` sends it, ``runner`` runs one report
under its ``locks``, and ``history``, ``launch``, ``access`` and ``routes`` serve the Reports page.

May import: ``models``, the foundation (config, db, services, web), ``portal.embed`` and
``portal.security``. Never ``portal.alerts``: alerts build on reports' delivery, not the reverse.
"""
