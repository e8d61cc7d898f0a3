"""Batch scoring: the streamed upload, the validate and score jobs, their store, manifest and downloads.

A batch lives in a folder whose manifest (``manifest``) is the job's truth; ``store`` mirrors it
into the database, ``jobs`` runs the two background steps, ``routes`` serves uploads and
downloads, and ``exports`` builds XLSX and other formats from the scored Parquet.

May import: ``models``, the foundation (config, db, services, web) and ``portal.exports``.
"""
