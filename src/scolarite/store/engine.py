"""SQLAlchemy's engine: the administration's connections, and the backend of a
``Database`` that is given an engine or opens an in-memory SQLite.

On SQLite, the engine's connections get the setup of every SQLite connection
(``store.sqlite``) and write on the event loop (``store.sqlite_writes``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .backend import Connection, Executor
from .counters import InTransaction
from .errors import ErrorTranslator
from .postgres import is_loopback
from .raw import ConnectionExecutor
from .sqlite import sqlite_setup
from .sqlite_writes import Checkpoints, async_creator

# Connections kept per pool and process, unless told otherwise (``Settings.db_pool_size``,
# ``SCOLARITE_DB_POOL_SIZE``).  On PostgreSQL the API's reads and writes share one asyncpg
# pool of this size; SQLAlchemy's pool (administration) opens connections only when used,
# up to this size and half as many again.
DEFAULT_POOL_SIZE = 16


def make_engine(url: str, pool_size: int | None = None, **options: Any) -> AsyncEngine:
    """The engine of ``url``; on PostgreSQL with a pool of ``pool_size`` connections
    (``DEFAULT_POOL_SIZE`` when not given) and half as many again when busy."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    connect_args: dict[str, Any] = {}
    if is_loopback(sa.engine.make_url(url)):
        connect_args["ssl"] = False  # no TLS handshake attempt on a local socket
    # Pools as large as the concurrency a worker sees: a connection closed because
    # the pool overflowed must be reopened for the next request.
    size = pool_size or DEFAULT_POOL_SIZE
    return create_async_engine(
        url, pool_size=size, max_overflow=max(1, size // 2), pool_pre_ping=False, connect_args=connect_args, **options
    )


def _sqlite_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(url, async_creator=async_creator(url))

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own
        # transaction handling would start writes as DEFERRED).
        dbapi_connection.isolation_level = None
        sqlite_setup(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        # A write takes the write lock up front, so that two concurrent writers
        # queue on busy_timeout instead of one failing with "database is locked".
        options = conn.get_execution_options()
        if options.get("single_read"):
            return  # one SELECT: SQLite's implicit transaction is enough
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("write", False) else "BEGIN")

    return engine


class EngineBackend:
    """Reads and writes through SQLAlchemy's ``AsyncConnection``.

    ``single``: the engine whose connections open no transaction for a read of one
    statement (SQLite).  ``lock``: what writers of this process take turns on (an
    ``asyncio.Lock`` on SQLite, which allows one writer at a time).  ``checkpoints``:
    the WAL checkpoints of an SQLite file."""

    def __init__(
        self,
        engine: AsyncEngine,
        single: AsyncEngine,
        counters: InTransaction,
        errors: ErrorTranslator,
        lock: AbstractAsyncContextManager[Any],
        checkpoints: Checkpoints | None = None,
    ):
        self.engine = engine
        self.single = single
        self.counters = counters
        self.errors = errors
        self.lock = lock
        self.checkpoints = checkpoints

    @contextlib.asynccontextmanager
    async def reads(self, snapshot: bool = False) -> AsyncIterator[Executor]:
        try:
            async with (self.engine if snapshot else self.single).connect() as conn:
                yield ConnectionExecutor(conn)
        except sa_exc.DBAPIError as exc:
            self.errors.raise_translated(exc)
            raise

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[Connection]:
        try:
            async with self.lock, self.engine.connect() as raw:
                conn = await raw.execution_options(write=True)
                async with conn.begin():
                    yield conn
        except sa_exc.DBAPIError as exc:
            self.errors.raise_translated(exc)
            raise
        if self.checkpoints is not None:
            self.checkpoints.written()

    async def next_counter(self, conn: Connection, name: str, start: int) -> int:
        return await self.counters.next(conn, name, start)

    async def close(self) -> None:
        if self.checkpoints is not None:
            await self.checkpoints.close()
