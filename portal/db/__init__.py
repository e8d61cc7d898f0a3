"""The portal database: one SQLAlchemy ``MetaData`` for every table, changed only by Alembic migrations.

One module per area declares its tables (``tables`` gathers them for Alembic); ``engine`` opens
fail-fast engines and ``migrate`` applies and inspects migrations.

May import: SQLAlchemy and Alembic only. Every feature stores through it, so it imports none.
"""

from __future__ import annotations

import sqlalchemy as sa

# Stable constraint names, so migrations can drop or alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
