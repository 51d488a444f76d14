"""Write transactions straight on the driver (asyncpg, sqlite3).

The business rules write with SQLAlchemy Core statements (``conn.execute(stmt,
params)``).  Run through SQLAlchemy's ``AsyncConnection``, each statement costs
about 100 µs of Python before and after the driver's own work (greenlet switch,
execution context, cursor and result wrappers): more than the insert itself, and
a dossier makes some sixty of them.  ``DriverConnection`` runs the same
statements with the subset of the ``AsyncConnection`` API the rules use:

* a statement is compiled by SQLAlchemy once per shape (its cache key, the names
  of its parameters, single or many), exactly as SQLAlchemy's own compiled cache
  does, and the SQL text, parameter order, bind processors and result processors
  are kept;
* the rows come back as plain tuples in a small ``Result`` (``first``, ``all``,
  ``scalar_one``, ``mappings``…);
* driver errors are raised as SQLAlchemy's (``IntegrityError``, ``DataError``,
  ``DBAPIError``: ``raw.driver_error``), so that callers handle both paths alike.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect

from scolarite.schema.edm import result_processor

from . import raw

_CACHE_SIZE = 2000

Row = tuple[Any, ...]
# async (sql, args, returns_rows) -> (rows, rowcount); async (sql, list of args) -> None
Run = Callable[[str, Row, bool], Awaitable[tuple[Sequence[Sequence[Any]], int]]]
RunMany = Callable[[str, list[Row]], Awaitable[None]]


class Result:
    """Rows of one statement, as plain tuples."""

    __slots__ = ("keys", "rowcount", "rows")

    def __init__(self, rows: list[Row], keys: Sequence[str], rowcount: int):
        self.rows = rows
        self.keys = keys
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def all(self) -> list[Row]:
        return self.rows

    def first(self) -> Row | None:
        return self.rows[0] if self.rows else None

    def one(self) -> Row:
        if len(self.rows) != 1:
            raise (sa_exc.NoResultFound if not self.rows else sa_exc.MultipleResultsFound)(
                f"expected one row, got {len(self.rows)}"
            )
        return self.rows[0]

    def one_or_none(self) -> Row | None:
        if len(self.rows) > 1:
            raise sa_exc.MultipleResultsFound(f"expected one row at most, got {len(self.rows)}")
        return self.rows[0] if self.rows else None

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return None if row is None else row[0]

    def scalars(self) -> _Values:
        return _Values([r[0] for r in self.rows])

    def mappings(self) -> _Values:
        keys = self.keys
        # Rows of ``exec_driver_sql`` have no keys: their mappings are empty.
        return _Values([dict(zip(keys, r, strict=False)) for r in self.rows])


class _Values:
    """``Result.scalars()`` / ``Result.mappings()``: one value (or dict) per row."""

    __slots__ = ("values",)

    def __init__(self, values: list[Any]):
        self.values = values

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values)

    def all(self) -> list[Any]:
        return self.values

    def first(self) -> Any:
        return self.values[0] if self.values else None

    def one(self) -> Any:
        if len(self.values) != 1:
            raise (sa_exc.NoResultFound if not self.values else sa_exc.MultipleResultsFound)(
                f"expected one row, got {len(self.values)}"
            )
        return self.values[0]

    def one_or_none(self) -> Any:
        if len(self.values) > 1:
            raise sa_exc.MultipleResultsFound(f"expected one row at most, got {len(self.values)}")
        return self.values[0] if self.values else None


class _Compiled:
    """A statement compiled for one shape, and what running it needs."""

    __slots__ = ("compiled", "converters", "expanding", "keys", "names", "processors", "returns_rows", "sql")

    def __init__(self, compiled: Any, dialect: Dialect):
        self.compiled = compiled
        self.expanding = bool(compiled.literal_execute_params or compiled.post_compile_params)
        self.sql = compiled.string
        self.names = list(compiled.positiontup or ())
        self.processors = compiled._bind_processors
        columns = compiled._result_columns or []
        self.returns_rows = bool(columns)
        self.keys = [c[0] for c in columns]
        converters = [result_processor(c[3], dialect) for c in columns]
        self.converters = converters if any(converters) else None

    def bind(self, values: dict[str, Any]) -> tuple[str, Row]:
        sql, names, processors = self.sql, self.names, self.processors
        if self.expanding:
            state = self.compiled._process_parameters_for_postcompile(values)
            sql, names, values, processors = state.statement, state.positiontup, state.parameters, state.processors
        out = []
        for name in names:
            value = values[name]
            proc = processors.get(name)
            out.append(proc(value) if proc is not None and value is not None else value)
        return sql, tuple(out)

    def rows(self, rows: Sequence[Sequence[Any]]) -> list[Row]:
        converters = self.converters
        if converters is None:
            return [tuple(r) for r in rows]
        return [tuple(v if c is None or v is None else c(v) for c, v in zip(converters, r, strict=False)) for r in rows]


class StatementCache:
    """Compiled statements of one dialect, by SQLAlchemy cache key (an LRU)."""

    def __init__(self, dialect: Dialect):
        self.dialect = dialect
        self.entries: OrderedDict[tuple[Any, ...], _Compiled] = OrderedDict()

    def get(self, stmt: Any, keys: tuple[str, ...], many: bool) -> tuple[_Compiled, dict[str, Any]]:
        """The compiled statement, and what ``construct_params`` needs to bind
        this statement's own values into it."""
        cache_key = stmt._generate_cache_key()
        if cache_key is None:  # not cacheable: compiled for this call only
            compiled = stmt._compiler(self.dialect, column_keys=list(keys), for_executemany=many)
            return _Compiled(compiled, self.dialect), {}
        key, extracted, collected = cache_key
        ident = (key, keys, many)
        entry = self.entries.get(ident)
        if entry is None:
            compiled = stmt._compiler(self.dialect, cache_key=cache_key, column_keys=list(keys), for_executemany=many)
            entry = self.entries[ident] = _Compiled(compiled, self.dialect)
            if len(self.entries) > _CACHE_SIZE:
                self.entries.popitem(last=False)
        return entry, {"extracted_parameters": extracted, "_collected_params": collected}


class DriverConnection:
    """The part of SQLAlchemy's ``AsyncConnection`` the write rules use, on a
    driver connection that is already in a transaction."""

    def __init__(self, cache: StatementCache, run: Run, run_many: RunMany):
        self._cache = cache
        self._run = run
        self._run_many = run_many

    async def execute(self, stmt: Any, params: dict[str, Any] | list[dict[str, Any]] | None = None) -> Result:
        if isinstance(params, list):
            return await self._execute_many(stmt, params)
        keys = tuple(sorted(params)) if params else ()
        entry, bound = self._cache.get(stmt, keys, False)
        values = entry.compiled.construct_params(params, _no_postcompile=True, **bound)
        sql, args = entry.bind(values)
        rows, rowcount = await self._call(sql, args, entry.returns_rows)
        return Result(entry.rows(rows) if rows else [], entry.keys, rowcount)

    async def _execute_many(self, stmt: Any, params: list[dict[str, Any]]) -> Result:
        if not params:
            return Result([], [], 0)
        keys = tuple(sorted(params[0]))
        entry, bound = self._cache.get(stmt, keys, True)
        if entry.returns_rows or entry.expanding:  # not a plain executemany: one by one
            results = [await self.execute(stmt, p) for p in params]
            return Result([r for res in results for r in res.rows], entry.keys, sum(r.rowcount for r in results))
        batch = []
        sql = entry.sql
        for p in params:
            sql, args = entry.bind(entry.compiled.construct_params(p, _no_postcompile=True, **bound))
            batch.append(args)
        await self._call_many(sql, batch)
        return Result([], [], len(params))

    async def exec_driver_sql(self, sql: str, params: Sequence[Any] = ()) -> Result:
        rows, rowcount = await self._call(sql, tuple(params), True)
        return Result([tuple(r) for r in rows], [], rowcount)

    async def _call(self, sql: str, args: Row, returns_rows: bool) -> tuple[Sequence[Sequence[Any]], int]:
        if raw.listeners:
            for listener in raw.listeners:
                listener(sql, args)
        try:
            return await self._run(sql, args, returns_rows)
        except (sa_exc.SQLAlchemyError, raw.Interrupted):
            raise
        except Exception as exc:
            raise raw.driver_error(exc, sql, args) from exc

    async def _call_many(self, sql: str, batch: list[Row]) -> None:
        if raw.listeners:
            for listener in raw.listeners:
                listener(sql, batch)  # the whole batch, as one call
        try:
            await self._run_many(sql, batch)
        except (sa_exc.SQLAlchemyError, raw.Interrupted):
            raise
        except Exception as exc:
            raise raw.driver_error(exc, sql, batch) from exc


def asyncpg_connection(cache: StatementCache, conn: Any) -> DriverConnection:
    """A ``DriverConnection`` on an asyncpg connection in a transaction."""

    async def run(sql: str, args: Row, returns_rows: bool) -> tuple[Sequence[Sequence[Any]], int]:
        if returns_rows:
            rows = await conn.fetch(sql, *args)
            return rows, len(rows)
        status = await conn.execute(sql, *args)
        last = status.rsplit(" ", 1)[-1]
        return [], int(last) if last.isdigit() else -1

    async def run_many(sql: str, batch: list[Row]) -> None:
        await conn.executemany(sql, batch)

    return DriverConnection(cache, run, run_many)


def sqlite_connection(cache: StatementCache, conn: sqlite3.Connection) -> DriverConnection:
    """A ``DriverConnection`` on a sqlite3 connection in a write transaction, used
    on the event loop (the process's writer lock is held: nothing else uses it)."""

    async def run(sql: str, args: Row, returns_rows: bool) -> tuple[Sequence[Sequence[Any]], int]:
        cur = conn.execute(sql, args)
        try:
            rows = cur.fetchall() if cur.description is not None else []
            return rows, (cur.rowcount if cur.rowcount >= 0 else len(rows))
        finally:
            cur.close()

    async def run_many(sql: str, batch: list[Row]) -> None:
        conn.executemany(sql, batch).close()

    return DriverConnection(cache, run, run_many)
