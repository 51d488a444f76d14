"""What a database backend provides to ``Database``.

One backend per way of reaching the database, chosen once when the ``Database``
is built:

* ``store.postgres.PostgresBackend``: asyncpg pools (reads, writes, counter draws);
* ``store.sqlite.SqliteBackend``: sqlite3 connections on the event loop (an SQLite file);
* ``store.engine.EngineBackend``: SQLAlchemy's engine (a given engine, an in-memory SQLite).

Each one translates the driver's errors into the domain's (``store.errors``) in its
own transactions, so that a request sees the same errors whatever the backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol


class Executor(Protocol):
    """Runs compiled reads (SQL text with positional parameters, ``store.raw``)."""

    async def fetch(self, sql: str, params: tuple[Any, ...], /) -> Sequence[Sequence[Any]]: ...


class Connection(Protocol):
    """A connection in a write transaction: the part of SQLAlchemy's ``AsyncConnection``
    the business rules use (``store.driver.DriverConnection`` provides it on the driver)."""

    async def execute(self, statement: Any, parameters: Any = None, /) -> Any: ...

    async def exec_driver_sql(self, sql: str, parameters: Any = (), /) -> Any: ...


class Backend(Protocol):
    def reads(self, snapshot: bool = False) -> AbstractAsyncContextManager[Executor]:
        """An executor of compiled reads outside any write.  ``snapshot``: the read has several statements,
        which must see one state of the database."""
        ...

    def write(self) -> AbstractAsyncContextManager[Connection]:
        """A connection in a write transaction, committed on success, rolled back on any error."""
        ...

    async def next_counter(self, conn: Connection, name: str, start: int) -> int:
        """The next number of a named counter (``conn``: the write that draws it)."""
        ...

    async def close(self) -> None: ...
