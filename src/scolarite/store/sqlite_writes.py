"""SQLite writes on the event loop.

aiosqlite runs every call in a thread of its own and hands the result back to the
loop: two thread hops per statement, which cost far more than an insert of one
row.  The writes of a process already take turns (``SqliteBackend.write`` holds the
writer lock), so nothing else runs on a write's connection, and its statements
take microseconds: they run inline.

* ``SqliteWriter``: the connection the API's writes use (through
  ``store/driver.py``), one per process.
* ``OnLoopWrites``: the same for SQLAlchemy's aiosqlite connections, which a
  ``Database`` on an in-memory SQLite writes with.

Taking the write lock is the one step that may wait (another process may hold
it): ``BEGIN IMMEDIATE`` is first tried without waiting, and only when the
database is busy does it wait in a thread, under the usual busy timeout.  Reads
outside a write never run here, so a long query never stalls the loop.  For the
same reason a commit does not checkpoint the WAL (which writes and syncs the
database file): ``Checkpoints`` does it in a thread every so many writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from functools import partial
from typing import Any

import aiosqlite
import sqlalchemy as sa

from .raw import driver_error

BUSY_TIMEOUT_MS = 30000
# Calls that never touch the database file: no reason to send them to the thread.
_ALWAYS_INLINE = frozenset({"cursor", "close"})
# aiosqlite's own way to run a call: in the connection's thread.
_in_thread: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute


class OnLoopWrites(aiosqlite.Connection):
    """An aiosqlite connection whose write transactions run on the event loop."""

    _writing = False

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if args and args[0] == "BEGIN IMMEDIATE":
            return await self._begin_write(fn, *args, **kwargs)
        if not self._writing and getattr(fn, "__name__", "") not in _ALWAYS_INLINE:
            return await _in_thread(self, fn, *args, **kwargs)
        conn = self._connection
        if conn is None or not self._running:
            raise ValueError("Connection closed")
        try:
            return fn(*args, **kwargs)
        finally:
            if self._writing and not conn.in_transaction:  # committed or rolled back
                self._writing = False

    async def _begin_write(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        conn = self._connection
        if conn is None or not self._running:
            raise ValueError("Connection closed")
        result = _without_waiting(conn, fn, *args, **kwargs)
        if result is None:  # another process writes: wait for it in the thread
            result = await _in_thread(self, fn, *args, **kwargs)
        self._writing = True
        return result


def _without_waiting(conn: sqlite3.Connection, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn`` (a ``BEGIN IMMEDIATE``) with no busy wait: its result, or None when
    another connection holds the write lock."""
    conn.execute("PRAGMA busy_timeout=0")
    try:
        return fn(*args, **kwargs)
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        return None
    finally:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def async_creator(url: str) -> Callable[[], Awaitable[Any]]:
    """The ``async_creator`` of a SQLite engine: connections that write on the loop."""
    from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite

    cargs, ckwargs = SQLiteDialect_aiosqlite().create_connect_args(sa.engine.make_url(url))
    ckwargs = {**ckwargs, "timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}

    def connector() -> sqlite3.Connection:
        connect: Callable[..., sqlite3.Connection] = sqlite3.connect  # the URL's own arguments, as they come
        return connect(*cargs, **ckwargs)

    async def create() -> Any:
        connection = OnLoopWrites(partial(connector), 64)
        connection._thread.daemon = True
        return await connection

    return create


class SqliteWriter:
    """The connection this process writes with, used on the event loop.

    Writes of the process take turns (``SqliteBackend.write`` holds the writer lock),
    so one connection serves them all.  ``BEGIN IMMEDIATE`` is tried without
    waiting; when another process holds the database's write lock, it waits in a
    thread under the busy timeout, and the loop goes on serving reads.
    """

    def __init__(self, path: str, setup: Callable[[sqlite3.Connection], None]):
        self.path = path
        self.setup = setup
        self.conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None)
        self.setup(conn)
        return conn

    async def _begin(self, conn: sqlite3.Connection) -> None:
        if _without_waiting(conn, conn.execute, "BEGIN IMMEDIATE") is not None:
            return
        waiting = asyncio.get_running_loop().run_in_executor(None, conn.execute, "BEGIN IMMEDIATE")
        try:
            await asyncio.shield(waiting)
        except asyncio.CancelledError:
            # The BEGIN may still succeed in its thread: this connection is given up,
            # and undone and closed once the thread is done with it.
            self.conn = None
            waiting.add_done_callback(lambda _f: _abandon(conn))
            raise

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[sqlite3.Connection]:
        if self.conn is None:
            self.conn = self._connect()
        conn = self.conn
        try:
            await self._begin(conn)
        except sqlite3.Error as exc:
            raise driver_error(exc, "BEGIN IMMEDIATE", ()) from exc
        try:
            yield conn
            conn.commit()
        except BaseException as exc:
            if conn.in_transaction:
                conn.rollback()
            if isinstance(exc, sqlite3.Error):
                raise driver_error(exc, "COMMIT", ()) from exc
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _abandon(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.rollback()
    finally:
        conn.close()


class Checkpoints:
    """WAL checkpoints off the event loop: every ``every`` writes, a PASSIVE
    checkpoint (it waits for no reader or writer) runs in a thread, one at a time.

    Under a steady stream of writes a PASSIVE checkpoint never catches up with the
    end of the log, so the log is never restarted and would grow without end:
    once it holds more than ``limit`` pages, a RESTART checkpoint copies the rest
    and lets the next write start the log over.  It runs holding the process's
    writer lock, so that this process's writers wait for it on that lock (and
    start the moment it is done) rather than in SQLite's busy loop; reads go on.
    """

    def __init__(self, path: str, writer_lock: AbstractAsyncContextManager[Any], every: int = 50, limit: int = 256):
        self.path = path
        self.lock = writer_lock
        self.every = every
        self.limit = limit
        self.count = 0
        self.running: asyncio.Future[None] | None = None
        self.conn: sqlite3.Connection | None = None

    def written(self) -> None:
        self.count += 1
        if self.count >= self.every and self.running is None:
            self.count = 0
            self.running = asyncio.ensure_future(self._run())
            self.running.add_done_callback(self._done)

    def _done(self, future: asyncio.Future[None]) -> None:
        self.running = None
        if not future.cancelled():
            future.exception()  # a failed checkpoint is retried at the next round; nothing is lost

    async def _run(self) -> None:
        pages = await asyncio.to_thread(self._checkpoint, "PASSIVE")
        if pages > self.limit:
            async with self.lock:
                await asyncio.to_thread(self._checkpoint, "RESTART")

    def _checkpoint(self, mode: str) -> int:
        if self.conn is None:
            self.conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None
            )
        _busy, pages, _copied = self.conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        return int(pages)

    async def close(self) -> None:
        if self.running is not None:
            try:
                await self.running
            except Exception:
                pass
        if self.conn is not None:
            self.conn.close()
            self.conn = None
