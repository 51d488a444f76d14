"""The database: which one, its tables, and the backend that reaches it.

SQLite (embedded default) and PostgreSQL (production) behave the same here.
``Database`` chooses its backend once, when it is built (``store.backend``):

* PostgreSQL: asyncpg pools for reads, writes and counter draws (``store.postgres``);
* an SQLite file: sqlite3 connections on the event loop (``store.sqlite``);
* a given engine, or an in-memory SQLite: SQLAlchemy's engine (``store.engine``).

The writes every entity shares are ``store.writes``; the errors a request sees
(unique violations, data exceptions, overload) are translated in the backends'
transactions (``store.errors``).  SQLAlchemy's engine serves administration
(migrations, credentials) and ``read()``, whatever the backend.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from scolarite.schema import Schema

from .backend import Backend, Connection
from .counters import COUNTER_TABLE, InTransaction
from .driver import StatementCache
from .engine import DEFAULT_POOL_SIZE, EngineBackend, make_engine
from .errors import ErrorTranslator
from .postgres import FIX_SEQUENCES, PostgresBackend
from .raw import ConnectionExecutor, RawStatement, compile_raw
from .sqlite import SqliteBackend, sqlite_file, sqlite_functions
from .sqlite_writes import Checkpoints
from .tables import build_tables
from .writes import EntityWrites, utcnow

DEFAULT_SQLITE = "scolarite.db"

__all__ = [
    "DEFAULT_SQLITE",
    "ConnectionExecutor",
    "Database",
    "DatabaseURLError",
    "RawStatement",
    "_redacted",
    "_sqlite_functions",
    "database_url",
    "make_engine",
    "private_sqlite_file",
    "redacted",
    "utcnow",
]


class DatabaseURLError(ValueError):
    """A database setting that names no database this server can open (one line, for the operator)."""


def database_url(url: str | None = None) -> str:
    """The database ``url`` names (``Settings.database_url``) as a SQLAlchemy URL: an embedded
    SQLite file in the current directory by default; a plain path (``./other.db``,
    ``/srv/ecole.db``) is an SQLite file; ``postgresql://`` and ``sqlite://`` get the async
    drivers.  :class:`DatabaseURLError` for anything else."""
    url = (url or "").strip()
    if not url:
        url = DEFAULT_SQLITE
    if "://" not in url:
        return f"sqlite+aiosqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
    try:
        parsed = sa.engine.make_url(url)
        parsed.port  # noqa: B018 - a port that is not a number fails here, not at the first connection
    except (sa.exc.ArgumentError, ValueError):
        raise DatabaseURLError(
            f"{redacted(url)!r} is not a database URL: write a path to an SQLite file "
            "(./scolarite.db) or postgresql+asyncpg://user@host/database"
        ) from None
    if parsed.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise DatabaseURLError(
            f"the database {parsed.drivername!r} is not supported: use an SQLite file "
            "(./scolarite.db) or PostgreSQL (postgresql+asyncpg://user@host/database)"
        )
    if parsed.drivername.startswith("postgresql") and not parsed.database:
        raise DatabaseURLError(
            f"{redacted(url)!r} names no database: add it after the host (postgresql+asyncpg://user@host/database)"
        )
    return url


def private_sqlite_file(url: str) -> None:
    """Create a new SQLite database file readable by its owner only (0600): it holds password hashes and
    people's data.  SQLite gives its -wal and -shm files the database file's permissions."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    path = Path(parsed.database)
    if path.exists() or not path.parent.is_dir():
        return
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass


def redacted(url: str) -> str:
    """``url`` without its password (for messages)."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


# The names callers knew these by.
_redacted = redacted
_sqlite_functions = sqlite_functions


class Database(EntityWrites):
    """Tables of a schema on one database, its transactions, and the writes shared by every entity.

    ``url`` and ``pool_size`` come from the settings (``Settings.database_url``,
    ``Settings.db_pool_size``): ./scolarite.db and 16 connections when not given."""

    def __init__(
        self,
        schema: Schema,
        url: str | None = None,
        engine: AsyncEngine | None = None,
        *,
        pool_size: int = DEFAULT_POOL_SIZE,
    ):
        self.url = database_url(url)
        size = max(1, pool_size)
        if engine is None:
            private_sqlite_file(self.url)
        self.engine = engine or make_engine(self.url, size)
        self.metadata, tables = build_tables(schema)
        self.dialect = self.engine.dialect.name
        super().__init__(schema, tables, row_locks=self.dialect == "postgresql")
        # Single-statement reads through SQLAlchemy open no transaction on SQLite:
        # a flag the engine's "begin" listener honours.
        self._single_engine = self.engine.execution_options(single_read=True)
        self.errors = ErrorTranslator(schema)
        self._sequences = self.dialect == "postgresql"
        self._backend = self._open_backend(engine is None, size)

    def _open_backend(self, own_engine: bool, size: int) -> Backend:
        # Statements compiled once per shape, for the writes that run straight on the driver.
        compiled = StatementCache(self.engine.dialect)
        counters = self.metadata.tables[COUNTER_TABLE]
        path = sqlite_file(self.url) if self.dialect == "sqlite" else None
        if own_engine and self.dialect == "postgresql":
            return PostgresBackend(sa.engine.make_url(self.url), size, compiled, counters, self.errors)
        in_transaction = InTransaction(counters, self.dialect)
        if own_engine and path is not None:
            return SqliteBackend(path, compiled, in_transaction, self.errors)
        lock: AbstractAsyncContextManager[Any] = contextlib.nullcontext()
        checkpoints = None
        if self.dialect == "sqlite":
            lock = asyncio.Lock()  # SQLite allows one writer at a time
            checkpoints = Checkpoints(path, lock) if path is not None else None
        return EngineBackend(self.engine, self._single_engine, in_transaction, self.errors, lock, checkpoints)

    def raw(self, stmt: Any) -> RawStatement:
        """A SQLAlchemy statement as SQL text of this dialect with positional
        parameters, for ``reads()`` executors (compile once, keep the result)."""
        return compile_raw(stmt, self.engine.dialect)

    # -- transactions ----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def read(self, single: bool = False) -> AsyncIterator[AsyncConnection]:
        """A SQLAlchemy connection for reading.  ``single``: the read is one statement, which is
        consistent by itself, so no transaction is opened (saving BEGIN and ROLLBACK
        round trips); reads of several statements run in one transaction."""
        try:
            async with (self._single_engine if single else self.engine).connect() as conn:
                yield conn
        except sa_exc.DBAPIError as exc:
            self.errors.raise_translated(exc)
            raise

    def reads(self, snapshot: bool = False) -> AbstractAsyncContextManager[Any]:
        """An executor of compiled reads (``scolarite.odata.query``) straight on the
        driver.  ``snapshot``: the read has several statements; on SQLite they then
        share one read transaction (PostgreSQL reads each statement in its own
        snapshot either way, at READ COMMITTED)."""
        return self._backend.reads(snapshot)

    def write(self) -> AbstractAsyncContextManager[Any]:
        """A connection in a write transaction, committed on success, rolled back on any error.

        SQLite allows one writer at a time: writers of this process queue on a lock,
        in order, instead of sleeping and retrying inside SQLite (which made the
        slowest writes wait seconds under load).
        """
        return self._backend.write()

    # -- the rest ---------------------------------------------------------------------------

    def unique_violation(self, error_text: str) -> tuple[str, bool] | None:
        """The message of the declared uniqueness a database error is about, if any, and whether the spec calls
        such a duplicate invalid (400) rather than a conflict (409)."""
        return self.errors.unique_violation(error_text)

    async def next_counter(self, conn: Connection, name: str, start: int = 1) -> int:
        """Draw the next number of a named counter, atomically across processes."""
        return await self._backend.next_counter(conn, name, start)

    async def fix_sequences(self, conn: Connection) -> None:
        """After rows were loaded with explicit ids, move the id sequence past them."""
        if self._sequences:
            await conn.execute(FIX_SEQUENCES)

    async def dispose(self) -> None:
        await self._backend.close()
        await self.engine.dispose()
