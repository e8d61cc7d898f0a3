"""Sign-in, roles, the request gate and security headers.

Kept free of imports so ``portal.config`` can read its settings declarations without a cycle;
the app factory wires everything through :func:`portal.security.wiring.init_security`.
"""
