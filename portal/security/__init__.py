"""Sign-in, roles, the request gate, API tokens, the audit log and security headers.

``identify`` finds the principal (none, proxy header, OIDC session, API or embed token), ``policy``
is the one table of what each role may open, ``gate`` and ``layout_guard`` enforce it on routes,
callbacks and layouts, and ``wiring`` attaches all of it to the app.

May import: the foundation (config, db, ids, services, web) and ``portal.embed``.
"""
