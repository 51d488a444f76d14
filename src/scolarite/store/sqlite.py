"""An SQLite file: the embedded default.

Reads run on sqlite3 connections of their own (``store.raw.SqliteReads``), writes on
the process's one writer connection on the event loop (``store.sqlite_writes``),
taking turns on a lock; WAL checkpoints run in a thread every so many writes.

Every connection (these, and SQLAlchemy's: ``store.engine``) gets the same setup:
WAL, Unicode-aware ``lower``/``upper`` and a zone-aware date-part function, so that
``$filter`` answers as on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from .backend import Connection, Executor
from .counters import InTransaction
from .driver import StatementCache, sqlite_connection
from .errors import ErrorTranslator
from .raw import SqliteReads
from .sqlite_writes import Checkpoints, SqliteWriter


def sqlite_functions(dbapi_connection: Any) -> None:
    """The SQL functions ``$filter`` compiles to, as PostgreSQL has them."""

    def lower(value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    def upper(value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    def datepart(part: str, value: Any, zone: str) -> Any:
        if value is None:
            return None
        when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        local = when.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone))
        return getattr(local, part)

    def ceiling(value: Any) -> Any:
        return None if value is None else math.ceil(value)

    def floor(value: Any) -> Any:
        return None if value is None else math.floor(value)

    dbapi_connection.create_function("lower", 1, lower, deterministic=True)
    dbapi_connection.create_function("upper", 1, upper, deterministic=True)
    dbapi_connection.create_function("odata_datepart", 3, datepart, deterministic=True)
    dbapi_connection.create_function("odata_ceiling", 1, ceiling, deterministic=True)
    dbapi_connection.create_function("floor", 1, floor, deterministic=True)


def sqlite_setup(dbapi_connection: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # No checkpoint inside a commit (writes commit on the event loop, and a
    # checkpoint writes and syncs the database file): the backend checkpoints in
    # a thread instead, every so many writes (``sqlite_writes.Checkpoints``).
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()
    sqlite_functions(dbapi_connection)


def sqlite_file(url: str) -> str | None:
    """The path of the SQLite file ``url`` names; None for another database or an in-memory one."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    if "mode=memory" in url:
        return None
    return parsed.database


class SqliteBackend:
    """An SQLite file, straight on sqlite3."""

    def __init__(self, path: str, compiled: StatementCache, counters: InTransaction, errors: ErrorTranslator):
        # SQLite allows one writer at a time: writers of this process queue on this
        # lock, in order, instead of sleeping and retrying inside SQLite (which made
        # the slowest writes wait seconds under load).
        self.lock = asyncio.Lock()
        self.pool = SqliteReads(path, sqlite_setup)
        self.writer = SqliteWriter(path, sqlite_setup)
        self.checkpoints = Checkpoints(path, self.lock)
        self.compiled = compiled
        self.counters = counters
        self.errors = errors

    @contextlib.asynccontextmanager
    async def reads(self, snapshot: bool = False) -> AsyncIterator[Executor]:
        try:
            async with self.pool.acquire(snapshot) as ex:
                yield ex
        except sa_exc.DBAPIError as exc:
            self.errors.raise_translated(exc)
            raise

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[Connection]:
        try:
            async with self.lock, self.writer.transaction() as conn:
                yield sqlite_connection(self.compiled, conn)
        except sa_exc.DBAPIError as exc:
            self.errors.raise_translated(exc)
            raise
        self.checkpoints.written()

    async def next_counter(self, conn: Connection, name: str, start: int) -> int:
        return await self.counters.next(conn, name, start)

    async def close(self) -> None:
        await self.checkpoints.close()
        self.writer.close()
        await self.pool.close()
