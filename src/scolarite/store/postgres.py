"""PostgreSQL, straight on asyncpg.

The API's reads and writes share one pool of ``pool_size`` connections
(``store.raw.PostgresReads``); writes run SQLAlchemy Core statements on it through
``store.driver``.  Counter draws have two connections of their own.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Dialect

from .backend import Connection, Executor
from .counters import upsert
from .driver import StatementCache, asyncpg_connection
from .errors import ErrorTranslator
from .raw import PgExecutor, PostgresReads, RawStatement, compile_raw

# After rows were loaded with explicit ids, the id sequence moves past them.
FIX_SEQUENCES = sa.text(
    "SELECT setval(pg_get_serial_sequence('\"Object\"', 'Id'), "
    'GREATEST((SELECT COALESCE(MAX("Id"), 0) FROM "Object"), 1))'
)


def is_loopback(url: URL) -> bool:
    """A server on this machine, reached without TLS."""
    return (
        url.host in (None, "", "localhost", "127.0.0.1", "::1")
        and "ssl" not in url.query
        and "sslmode" not in url.query
    )


class PostgresBackend:
    """PostgreSQL through asyncpg pools."""

    def __init__(
        self,
        url: URL,
        pool_size: int,
        compiled: StatementCache,
        counters: sa.Table,
        errors: ErrorTranslator,
    ):
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        ssl = False if is_loopback(url) else None
        self.pool = PostgresReads(dsn, pool_size, ssl)
        # Counter draws happen inside writes, which hold a connection of the
        # main pool: they get connections of their own, so that writes
        # filling the main pool never wait on each other for a draw.
        self.counter_pool = PostgresReads(dsn, 2, ssl, async_commit=True)
        self.compiled = compiled
        self.dialect: Dialect = compiled.dialect
        self.counters = counters
        self.errors = errors
        self._draw: RawStatement | None = None

    @contextlib.asynccontextmanager
    async def reads(self, snapshot: bool = False) -> AsyncIterator[Executor]:
        # Each statement reads in its own snapshot either way (READ COMMITTED).
        try:
            async with self.pool.connection() as conn:
                yield PgExecutor(conn)
        except sa_exc.DBAPIError as exc:
            self.errors.raise_translated(exc)
            raise

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[Connection]:
        try:
            async with self.pool.transaction() as conn:
                yield asyncpg_connection(self.compiled, conn)
        except sa_exc.DBAPIError as exc:
            self.errors.raise_translated(exc)
            raise

    async def next_counter(self, conn: Connection, name: str, start: int) -> int:
        # Drawn outside the write's transaction, as from a sequence: the counter
        # row stays locked for one statement, not until the write commits
        # (concurrent creates queued on it).  A number drawn by a write that
        # then fails is skipped, as a sequence skips it.
        draw = self._draw
        if draw is None:
            draw = self._draw = compile_raw(upsert(self.counters, "postgresql", start=None), self.dialect)
        async with self.counter_pool.acquire() as ex:
            return int((await ex.fetch(draw.sql, draw.args({"_name": name, "_start": start})))[0][0])

    async def close(self) -> None:
        await self.pool.close()
        await self.counter_pool.close()
