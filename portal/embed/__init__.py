"""Embedding the portal in intranet pages: signed embed tokens, their links, the gate and framing headers.

May import: the foundation (config, web). Used by security, reports and the API, so it never
imports them.
"""
