"""Named counters (``scolarite_counter``): codes such as ``A00042`` draw their numbers here.

``upsert`` adds one to a counter, creating it at its first value; ``InTransaction``
draws inside the write that uses the number (SQLite, and SQLAlchemy's engine).
PostgreSQL draws on connections of its own (``store.postgres``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .backend import Connection

COUNTER_TABLE = "scolarite_counter"


def upsert(counters: sa.Table, dialect: str, start: int | None) -> Any:
    """INSERT the counter at ``start`` (a parameter, ``_start``, when None), or add one to it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    first = sa.bindparam("_start", type_=sa.BigInteger()) if start is None else start
    return (
        insert(counters)
        .values(name=sa.bindparam("_name"), value=first)
        .on_conflict_do_update(index_elements=["name"], set_={"value": counters.c.value + 1})
        .returning(counters.c.value)
    )


class InTransaction:
    """Counter draws in the write's own transaction: the counter row stays locked until it commits."""

    def __init__(self, counters: sa.Table, dialect: str):
        self.counters = counters
        self.dialect = dialect
        self.bump = (
            sa.update(counters)
            .where(counters.c.name == sa.bindparam("_name"))
            .values(value=counters.c.value + 1)
            .returning(counters.c.value)
        )

    async def next(self, conn: Connection, name: str, start: int) -> int:
        value = (await conn.execute(self.bump, {"_name": name})).scalar_one_or_none()
        if value is not None:
            return int(value)
        return int((await conn.execute(upsert(self.counters, self.dialect, start), {"_name": name})).scalar_one())
