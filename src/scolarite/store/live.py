"""Live rows, for the rules: what is not soft-deleted, deleting softly, comparing text.

A DELETE is a soft delete (``store/tables.py``): the row stays, flagged.  The rules
(``scolarite.rules``) read and write through these helpers and never name the flag
nor test the database dialect, so that how deletion and text comparison are stored
can change in one place.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from scolarite.store.tables import DELETED

# A Unicode-aware collation for case-folding on PostgreSQL (the one ``odata/filter.py``
# uses); SQLite's ``lower`` is a Python function there (``store/db.py``), Unicode-aware too.
_FOLDING_COLLATION = "und-x-icu"


class HasDialect(Protocol):
    """A ``Database``, or anything else that knows its dialect's name."""

    @property
    def dialect(self) -> str: ...


def live(table: sa.FromClause) -> sa.ColumnElement[bool]:
    """The condition "this row of ``table`` is not soft-deleted" (always true for a table without the flag)."""
    return table.c[DELETED] == sa.false() if DELETED in table.c else sa.true()


async def soft_delete(conn: AsyncConnection, table: sa.Table, *where: Any) -> int:
    """Soft-delete the live rows of ``table`` that match ``where``; the number of rows deleted."""
    result = await conn.execute(sa.update(table).where(*where, live(table)).values({DELETED: True}))
    return int(result.rowcount)


async def row_state(conn: AsyncConnection, table: sa.Table, *where: Any) -> Literal["live", "deleted"] | None:
    """Whether the row of ``table`` that matches ``where`` is "live" or soft-"deleted"; None when there is none."""
    flag = (await conn.execute(sa.select(table.c[DELETED]).where(*where).limit(1))).scalar()
    return None if flag is None else "deleted" if flag else "live"


def folded(db: HasDialect | str, expr: Any) -> sa.ColumnElement[Any]:
    """``expr`` case-folded for comparison, Unicode-aware on both databases (accents still count)."""
    dialect = db if isinstance(db, str) else db.dialect
    if dialect == "postgresql":
        expr = sa.collate(expr, _FOLDING_COLLATION)
    return sa.func.lower(expr)


def same_text(db: HasDialect | str, column: Any, value: str) -> sa.ColumnElement[bool]:
    """``column`` equals ``value`` but for case (``Instance\\CS1`` is ``instance\\cs1``; ``é`` is not ``e``)."""
    return folded(db, column) == folded(db, sa.literal(value, sa.Text()))
