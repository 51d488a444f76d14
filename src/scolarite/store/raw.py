"""Straight-to-driver execution of compiled reads (see ``scolarite.odata.query``).

Reads outside a write are plain SQL text with positional parameters, so they skip
SQLAlchemy's connection, cursor and result layers:

* PostgreSQL: an asyncpg pool of its own (prepared statements cached per
  connection; a connection goes back to the pool without a reset round trip,
  since these reads leave no session state behind).
* SQLite: sqlite3 connections used on the event loop itself.  A statement that
  runs longer than a small budget of VM steps is interrupted by a progress
  handler and run again in a worker thread, so a cheap read costs no thread hop
  and an expensive one does not stall the loop.

Inside a write, the same SQL runs on the write's own connection
(``ConnectionExecutor``), so that a write reads what it has just written.

``compile_raw`` turns a SQLAlchemy statement into such SQL text (``RawStatement``).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect

Row = Sequence[Any]
Params = tuple[Any, ...]

# Statements seen by optional listeners (the benchmark records the server's SQL): the SQL and its
# parameters (a list of them for a batch).
listeners: list[Callable[[str, Any], None]] = []


class RawStatement:
    """SQL text and, for each positional parameter, its name, bind processor and
    compiled-in value."""

    __slots__ = ("params", "sql")

    def __init__(self, sql: str, params: list[tuple[str, Callable[[Any], Any] | None, Any]]):
        self.sql = sql
        self.params = params

    def args(self, values: dict[str, Any] | None = None) -> Params:
        out = []
        for name, proc, fixed in self.params:
            value = values[name] if values is not None and name in values else fixed
            out.append(proc(value) if proc is not None and value is not None else value)
        return tuple(out)


def compile_raw(stmt: Any, dialect: Dialect) -> RawStatement:
    """A SQLAlchemy statement as SQL text of ``dialect`` with positional parameters
    (compile once, keep the result)."""
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    processors = compiled._bind_processors
    fixed = compiled.construct_params(_check=False)
    return RawStatement(
        compiled.string, [(name, processors.get(name), fixed.get(name)) for name in compiled.positiontup or ()]
    )


def driver_error(exc: Exception, sql: str, params: Any) -> sa_exc.DBAPIError:
    """A driver error as SQLAlchemy would raise it, so that callers handle errors
    of both paths alike: an integrity constraint (SQLSTATE class 23), checked by a
    statement or at COMMIT, is an ``IntegrityError``; SQLSTATE class 22 and values
    the driver cannot send are the request's own values: ``DataError``."""
    state = getattr(exc, "sqlstate", None)
    if isinstance(exc, sqlite3.IntegrityError) or (isinstance(state, str) and state.startswith("23")):
        return sa_exc.IntegrityError(sql, params, exc)
    if (
        (isinstance(state, str) and state.startswith("22"))
        or type(exc).__name__ == "DataError"
        or isinstance(exc, (OverflowError, ValueError, TypeError))
    ):
        return sa_exc.DataError(sql, params, exc)
    return sa_exc.DBAPIError(sql, params, exc)


class ConnectionExecutor:
    """Runs compiled SQL on a connection of a write (SQLAlchemy's ``AsyncConnection``,
    or the driver's ``store.driver.DriverConnection``)."""

    def __init__(self, conn: Any):
        self.conn = conn

    async def fetch(self, sql: str, params: Params) -> Sequence[Row]:
        rows: Sequence[Row] = (await self.conn.exec_driver_sql(sql, params)).all()
        return rows


class PgExecutor:
    """Runs compiled SQL on an asyncpg connection."""

    __slots__ = ("conn",)

    def __init__(self, conn: Any):
        self.conn = conn

    async def fetch(self, sql: str, params: Params) -> Sequence[Row]:
        if listeners:
            for listener in listeners:
                listener(sql, params)
        try:
            rows: Sequence[Row] = await self.conn.fetch(sql, *params)
            return rows
        except Exception as exc:
            raise driver_error(exc, sql, params) from exc


async def _no_reset(_conn: Any) -> None:
    return None


async def _json_codecs(conn: Any) -> None:
    """JSON columns decoded as SQLAlchemy's asyncpg dialect decodes them.  Values
    are bound already serialized (by the type's bind processor), so the encoder
    passes the text through."""
    import orjson

    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, schema="pg_catalog", encoder=str, decoder=orjson.loads, format="text")


async def _async_commit(conn: Any) -> None:
    """For the counter draws' connections only (``PostgresBackend.next_counter``): the
    write that uses a number makes its draw durable when it commits (the WAL is
    flushed in order), so the draw itself need not wait for the disk."""
    await _json_codecs(conn)
    await conn.execute("SET synchronous_commit TO off")


class PostgresReads:
    """An asyncpg pool for the compiled reads, and for writes (``transaction``)."""

    def __init__(self, dsn: str, max_size: int, ssl: bool | None, async_commit: bool = False):
        self.dsn = dsn
        self.max_size = max_size
        self.ssl = ssl
        self.init = _async_commit if async_commit else _json_codecs
        # Requests take connections in the order they asked: asyncpg's pool lets a
        # newcomer take a connection just released before a waiter wakes up,
        # and under 64 concurrent requests some waited ten times the median.
        self._turns: asyncio.Semaphore | None = None
        self._pool: Any = None
        self._starting: asyncio.Lock | None = None

    async def _start(self) -> Any:
        import asyncpg

        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._pool is None:
                kwargs: dict[str, Any] = {} if self.ssl is None else {"ssl": self.ssl}
                try:
                    self._pool = await asyncpg.create_pool(
                        self.dsn,
                        min_size=1,
                        max_size=self.max_size,
                        statement_cache_size=1024,
                        reset=_no_reset,
                        init=self.init,
                        **kwargs,
                    )
                except Exception as exc:
                    raise driver_error(exc, "(connect)", ()) from exc
        return self._pool

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        """A connection of the pool, taken in turn (first come, first served)."""
        pool = self._pool or await self._start()
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.max_size)
        async with self._turns:
            try:
                conn = await pool.acquire()
            except Exception as exc:
                raise driver_error(exc, "(connect)", ()) from exc
            try:
                yield conn
            finally:
                await pool.release(conn)

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[PgExecutor]:
        async with self.connection() as conn:
            yield PgExecutor(conn)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        """A connection of the pool in a transaction, committed on success.  A
        connection left in a transaction (its rollback failed) is closed, never
        handed out again."""
        async with self.connection() as conn:
            try:
                tr = conn.transaction()
                try:
                    await tr.start()
                except Exception as exc:
                    raise driver_error(exc, "BEGIN", ()) from exc
                try:
                    yield conn
                except BaseException:
                    try:
                        await tr.rollback()
                    except BaseException:
                        pass
                    raise
                try:
                    await tr.commit()
                except Exception as exc:
                    raise driver_error(exc, "COMMIT", ()) from exc
            finally:
                if not conn.is_closed() and conn.is_in_transaction():
                    conn.terminate()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


class Interrupted(Exception):
    """A statement stopped by a progress handler (it goes on elsewhere)."""


class _SqliteExecutor:
    """One sqlite3 connection lent to one read."""

    # VM steps between progress calls, and calls allowed on the loop (about a
    # millisecond of work) before the statement moves to a thread.
    STEP = 1000
    ON_LOOP_CALLS = 20

    def __init__(self, owner: SqliteReads, conn: sqlite3.Connection, snapshot: bool):
        self.owner = owner
        self.conn: sqlite3.Connection | None = conn
        self.snapshot = snapshot
        self.calls = 0
        self.in_thread = False

    def _progress(self) -> int:
        self.calls += 1
        return 1 if self.calls > self.ON_LOOP_CALLS else 0

    @staticmethod
    def _run(conn: sqlite3.Connection, sql: str, params: Params) -> list[Any]:
        try:
            cur = conn.execute(sql, params)
            try:
                return cur.fetchall()
            finally:
                cur.close()
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise
            raise driver_error(exc, sql, params) from exc
        except Exception as exc:
            raise driver_error(exc, sql, params) from exc

    async def fetch(self, sql: str, params: Params) -> list[Any]:
        if listeners:
            for listener in listeners:
                listener(sql, params)
        if self.conn is None:  # it went back while an earlier statement ran elsewhere
            self.conn = self.owner.take()
        if not self.in_thread:
            self.calls = 0
            self.conn.set_progress_handler(self._progress, self.STEP)
            try:
                return self._run(self.conn, sql, params)
            except sqlite3.OperationalError as exc:
                if "interrupted" not in str(exc):
                    raise
            finally:
                self.conn.set_progress_handler(None, 0)
        loop = asyncio.get_running_loop()
        if self.snapshot:  # its statements share one read transaction: on its own connection
            self.in_thread = True  # the rest of this read runs in the threads
            async with self.owner.slow_slots():
                return await loop.run_in_executor(self.owner.threads, self._run, self.conn, sql, params)
        # One statement: it runs on one of the slow reads' own connections (whose
        # larger page caches stay warm), and this read's connection goes back.
        self.owner.give_back(self.conn)
        self.conn = None
        slow = await self.owner.slow_connection()
        running = loop.run_in_executor(self.owner.threads, self._run, slow, sql, params)
        try:
            await asyncio.wait((running,))
        except asyncio.CancelledError:
            # The statement goes on in its thread: the connection comes back after it.
            running.add_done_callback(lambda _f: self.owner.slow_done(slow))
            raise
        self.owner.slow_done(slow)
        return running.result()


class SqliteReads:
    """sqlite3 connections for reads: cheap ones run on the loop, slow ones in a
    few threads.

    A slow statement runs on one of ``SLOW`` connections kept for slow reads,
    with a page cache of ``SLOW_CACHE_KIB`` each: deep ``$skip`` pages then read
    warm pages (about 20 pages of 100 learners a second instead of 12, where the
    page cache of whichever connection the read had was cold).  Slow reads wait
    for one of them, so that memory stays bounded (64 slow reads in flight, each
    on a connection of its own, once took a worker past 450 MB); cheap reads
    never wait for them.  A slow read of several
    statements (one read transaction) keeps its own connection, in the same
    threads."""

    SLOW = 2
    SLOW_CACHE_KIB = 24576

    def __init__(self, path: str, setup: Callable[[sqlite3.Connection], None], max_idle: int = 8):
        self.path = path
        self.setup = setup
        self.max_idle = max_idle
        self.idle: list[sqlite3.Connection] = []
        self.threads = ThreadPoolExecutor(max_workers=self.SLOW, thread_name_prefix="sqlite-read")
        self._slow: asyncio.Semaphore | None = None
        self._slow_conns: asyncio.Queue[sqlite3.Connection | None] | None = None

    def slow_slots(self) -> asyncio.Semaphore:
        if self._slow is None:
            self._slow = asyncio.Semaphore(self.SLOW)
        return self._slow

    async def slow_connection(self) -> sqlite3.Connection:
        if self._slow_conns is None:
            self._slow_conns = asyncio.Queue()
            for _ in range(self.SLOW):
                self._slow_conns.put_nowait(None)  # opened when first needed
        conn = await self._slow_conns.get()
        if conn is None:
            conn = self._connect()
            conn.execute(f"PRAGMA cache_size=-{self.SLOW_CACHE_KIB}")
        return conn

    def slow_done(self, conn: sqlite3.Connection) -> None:
        if self._slow_conns is not None:
            self._slow_conns.put_nowait(conn)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self.setup(conn)
        return conn

    @contextlib.asynccontextmanager
    async def acquire(self, snapshot: bool = False) -> AsyncIterator[_SqliteExecutor]:
        """A connection; ``snapshot``: the read has several statements, which must
        see one state of the database (one SQLite read transaction)."""
        conn = self.take()
        ex = _SqliteExecutor(self, conn, snapshot)
        ok = False
        try:
            if snapshot:
                conn.execute("BEGIN")
            yield ex
            ok = True
        finally:
            held = ex.conn  # another one, if the read gave its own back while it waited
            if held is not None:
                if snapshot:
                    try:
                        held.execute("COMMIT")
                    except sqlite3.Error:
                        ok = False
                if ok and not held.in_transaction:
                    self.give_back(held)
                elif not ex.in_thread:
                    held.close()
                # else: a cancelled read may still run in its thread; the connection
                # is left to the garbage collector once the thread is done with it.

    def take(self) -> sqlite3.Connection:
        return self.idle.pop() if self.idle else self._connect()

    def give_back(self, conn: sqlite3.Connection) -> None:
        if len(self.idle) < self.max_idle:
            self.idle.append(conn)
        else:
            conn.close()

    async def close(self) -> None:
        while self.idle:
            self.idle.pop().close()
        while self._slow_conns is not None and not self._slow_conns.empty():
            conn = self._slow_conns.get_nowait()
            if conn is not None:
                conn.close()
        self.threads.shutdown(wait=False)
