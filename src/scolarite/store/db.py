"""The database: engine, tables and the generic writes every entity shares.

SQLite (embedded default) and PostgreSQL (production) behave the same here:
writes go through the ``Object`` registry for their id (one id space, R10), DELETE
is a soft delete, and SQLite gets Unicode-aware ``lower``/``upper`` and a
zone-aware date-part function so that ``$filter`` answers as on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from scolarite.schema import Entity, Schema

from .driver import StatementCache, asyncpg_connection, sqlite_connection
from .raw import ConnectionExecutor, PostgresReads, SqliteReads
from .sqlite_writes import Checkpoints, SqliteWriter, async_creator
from .tables import DELETED, OBJECT_SET, SET_COLUMN, build_tables, unique_index_name

DEFAULT_SQLITE = "scolarite.db"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class DatabaseURLError(ValueError):
    """A database setting that names no database this server can open (one line, for the operator)."""


def database_url(url: str | None = None) -> str:
    """The configured database as a SQLAlchemy URL: an embedded SQLite file in the current
    directory by default; a plain path (``./other.db``, ``/srv/ecole.db``) is an SQLite file;
    ``postgresql://`` and ``sqlite://`` get the async drivers.  :class:`DatabaseURLError`
    for anything else."""
    url = (url or os.environ.get("SCOLARITE_DATABASE_URL") or "").strip()
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
            f"{_redacted(url)!r} is not a database URL: write a path to an SQLite file "
            "(./scolarite.db) or postgresql+asyncpg://user@host/database"
        ) from None
    if parsed.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise DatabaseURLError(
            f"the database {parsed.drivername!r} is not supported: use an SQLite file "
            "(./scolarite.db) or PostgreSQL (postgresql+asyncpg://user@host/database)"
        )
    if parsed.drivername.startswith("postgresql") and not parsed.database:
        raise DatabaseURLError(
            f"{_redacted(url)!r} names no database: add it after the host (postgresql+asyncpg://user@host/database)"
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


def _redacted(url: str) -> str:
    """``url`` without its password (for messages)."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


def _sqlite_functions(dbapi_connection) -> None:
    def lower(value):
        return value.lower() if isinstance(value, str) else value

    def upper(value):
        return value.upper() if isinstance(value, str) else value

    def datepart(part, value, zone):
        if value is None:
            return None
        when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        local = when.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone))
        return getattr(local, part)

    def ceiling(value):
        return None if value is None else math.ceil(value)

    def floor(value):
        return None if value is None else math.floor(value)

    dbapi_connection.create_function("lower", 1, lower, deterministic=True)
    dbapi_connection.create_function("upper", 1, upper, deterministic=True)
    dbapi_connection.create_function("odata_datepart", 3, datepart, deterministic=True)
    dbapi_connection.create_function("odata_ceiling", 1, ceiling, deterministic=True)
    dbapi_connection.create_function("floor", 1, floor, deterministic=True)


def _sqlite_setup(dbapi_connection) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # No checkpoint inside a commit (writes commit on the event loop, and a
    # checkpoint writes and syncs the database file): ``Database`` checkpoints in
    # a thread instead, every so many writes (``sqlite_writes.Checkpoints``).
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()
    _sqlite_functions(dbapi_connection)


def _is_loopback(url: sa.engine.URL) -> bool:
    return (
        url.host in (None, "", "localhost", "127.0.0.1", "::1")
        and "ssl" not in url.query
        and "sslmode" not in url.query
    )


def default_pool_size() -> int:
    """Connections kept per pool and process (``SCOLARITE_DB_POOL_SIZE``, default 16).

    On PostgreSQL the API's reads and writes share one asyncpg pool of this size;
    SQLAlchemy's pool (administration) opens connections only when used, up to
    this size and half as many again: keep workers × 2.5 × this under
    max_connections.  A pool smaller than the concurrency a worker sees closes and
    reopens connections all the time."""
    try:
        return max(1, int(os.environ.get("SCOLARITE_DB_POOL_SIZE", "16")))
    except ValueError:
        return 16


def make_engine(url: str, pool_size: int | None = None, **options) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, async_creator=async_creator(url))

        @event.listens_for(engine.sync_engine, "connect")
        def _connect(dbapi_connection, _record):
            # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own
            # transaction handling would start writes as DEFERRED).
            dbapi_connection.isolation_level = None
            _sqlite_setup(dbapi_connection)

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn):
            # A write takes the write lock up front, so that two concurrent writers
            # queue on busy_timeout instead of one failing with "database is locked".
            options = conn.get_execution_options()
            if options.get("single_read"):
                return  # one SELECT: SQLite's implicit transaction is enough
            conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("write", False) else "BEGIN")

        return engine
    connect_args: dict = {}
    if _is_loopback(sa.engine.make_url(url)):
        connect_args["ssl"] = False  # no TLS handshake attempt on a local socket
    # Pools as large as the concurrency a worker sees: a connection closed because
    # the pool overflowed must be reopened for the next request.
    size = pool_size or default_pool_size()
    return create_async_engine(
        url, pool_size=size, max_overflow=max(1, size // 2), pool_pre_ping=False, connect_args=connect_args, **options
    )


class RawStatement:
    """SQL text and, for each positional parameter, its name, bind processor and
    compiled-in value."""

    __slots__ = ("params", "sql")

    def __init__(self, sql: str, params: list[tuple[str, Callable | None, Any]]):
        self.sql = sql
        self.params = params

    def args(self, values: dict[str, Any] | None = None) -> tuple:
        out = []
        for name, proc, fixed in self.params:
            value = values[name] if values is not None and name in values else fixed
            out.append(proc(value) if proc is not None and value is not None else value)
        return tuple(out)


class Database:
    """Tables of a schema on one engine, and the writes shared by every entity."""

    def __init__(self, schema: Schema, url: str | None = None, engine: AsyncEngine | None = None):
        self.schema = schema
        self.url = database_url(url)
        if engine is None:
            private_sqlite_file(self.url)
        self.engine = engine or make_engine(self.url)
        self.metadata, self.tables = build_tables(schema)
        self.dialect = self.engine.dialect.name
        # Single-statement reads through SQLAlchemy (when reads do not go straight to
        # the driver) open no transaction on SQLite: a flag the "begin" listener honours.
        self._single_engine = self.engine.execution_options(single_read=True)
        self.visibility: dict[str, Callable[[sa.FromClause], Any]] = {}
        self._writer = asyncio.Lock() if self.dialect == "sqlite" else contextlib.nullcontext()
        self._raw: PostgresReads | SqliteReads | None = None
        self._counters: PostgresReads | None = None
        parsed = sa.engine.make_url(self.url)
        if engine is None:
            if self.dialect == "postgresql":
                dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
                ssl = False if _is_loopback(parsed) else None
                self._raw = PostgresReads(dsn, default_pool_size(), ssl)
                # Counter draws happen inside writes, which hold a connection of the
                # main pool: they get connections of their own, so that writes
                # filling the main pool never wait on each other for a draw.
                self._counters = PostgresReads(dsn, 2, ssl, async_commit=True)
            elif parsed.database and parsed.database != ":memory:" and "mode=memory" not in self.url:
                self._raw = SqliteReads(parsed.database, _sqlite_setup)
        # Writes run straight on the driver (``store/driver.py``) with the read path's
        # pool on PostgreSQL, and one connection of their own on SQLite.
        self._compiled = StatementCache(self.engine.dialect)
        self._sqlite_writer = (
            SqliteWriter(parsed.database, _sqlite_setup) if isinstance(self._raw, SqliteReads) else None
        )
        self._checkpoints = (
            Checkpoints(parsed.database, self._writer)
            if self.dialect == "sqlite"
            and parsed.database
            and parsed.database != ":memory:"
            and "mode=memory" not in self.url
            else None
        )
        self._legacy = {e.__entity_set__: e.__legacy__ or e.__entity_set__ for e in schema}
        # Write statements built once and executed with parameters: building them
        # per request (``insert().values(...)``) cost more than running them.
        self._statements: dict[tuple, Any] = {}

    def raw(self, stmt: Any) -> RawStatement:
        """A SQLAlchemy statement as SQL text of this dialect with positional
        parameters, for ``reads()`` executors (compile once, keep the result)."""
        compiled = stmt.compile(dialect=self.engine.dialect, compile_kwargs={"render_postcompile": True})
        processors = compiled._bind_processors
        fixed = compiled.construct_params(_check=False)
        return RawStatement(
            compiled.string, [(name, processors.get(name), fixed.get(name)) for name in compiled.positiontup or ()]
        )

    def _statement(self, ident: tuple, build: Callable[[], Any]) -> Any:
        stmt = self._statements.get(ident)
        if stmt is None:
            stmt = self._statements[ident] = build()
        return stmt

    # -- the Storage protocol of the OData layer ------------------------------------------

    def table(self, entity: type[Entity]) -> sa.Table:
        return self.tables[entity.__entity_set__]

    def condition(self, entity: type[Entity], table: sa.FromClause, domain: bool = True) -> Any:
        cond = table.c[DELETED] == sa.false() if DELETED in table.c else sa.true()
        extra = self.visibility.get(entity.__entity_set__) if domain else None
        if extra is not None:
            cond = sa.and_(cond, extra(table))
        return cond

    # -- transactions ----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def read(self, single: bool = False):
        """A connection for reading.  ``single``: the read is one statement, which is
        consistent by itself, so no transaction is opened (saving BEGIN and ROLLBACK
        round trips); reads of several statements run in one transaction."""
        async with (self._single_engine if single else self.engine).connect() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def reads(self, snapshot: bool = False):
        """An executor of compiled reads (``scolarite.odata.query``) straight on the
        driver.  ``snapshot``: the read has several statements; on SQLite they then
        share one read transaction (PostgreSQL reads each statement in its own
        snapshot either way, at READ COMMITTED)."""
        if self._raw is None:
            async with self.read(single=not snapshot) as conn:
                yield ConnectionExecutor(conn)
        elif isinstance(self._raw, SqliteReads):
            async with self._raw.acquire(snapshot) as ex:
                yield ex
        else:
            async with self._raw.acquire() as ex:
                yield ex

    @contextlib.asynccontextmanager
    async def write(self):
        """A connection in a write transaction, committed on success.

        SQLite allows one writer at a time: writers of this process queue on a lock
        here, in order, instead of sleeping and retrying inside SQLite (which made
        the slowest writes wait seconds under load).
        """
        async with self._writer:
            if isinstance(self._raw, PostgresReads):
                async with self._raw.transaction() as conn:
                    yield asyncpg_connection(self._compiled, conn)
            elif self._sqlite_writer is not None:
                async with self._sqlite_writer.transaction() as conn:
                    yield sqlite_connection(self._compiled, conn)
            else:  # a Database on a given engine, or an in-memory SQLite: through SQLAlchemy
                async with self.engine.connect() as raw:
                    conn = await raw.execution_options(write=True)
                    async with conn.begin():
                        yield conn
        if self._checkpoints is not None:
            self._checkpoints.written()

    # -- writes -------------------------------------------------------------------------

    async def insert(self, conn: AsyncConnection, entity: type[Entity], values: dict[str, Any], key: Any = None) -> Any:
        """Insert a new entity; its id comes from the Object registry unless ``key`` is given."""
        table = self.table(entity)
        keyname = entity.key.name
        if keyname in values:
            values = dict(values)
            key = values.pop(keyname) if key is None else key
            values.pop(keyname, None)
        now = utcnow()
        if entity.key.edm.category == "guid":
            key = key or str(uuid.uuid4())
        else:
            obj = self.tables[OBJECT_SET]
            row = {
                "Nom": "",
                "Code": "",
                "DateCreation": now,
                "DateModification": now,
                "Actif": True,
                "Type": self._legacy[entity.__entity_set__],
                SET_COLUMN: entity.__entity_set__,
            }
            if key is None:
                stmt = self._statement(("register",), lambda: sa.insert(obj).returning(obj.c.Id))
                key = (await conn.execute(stmt, row)).scalar_one()
            else:
                stmt = self._statement(
                    ("registered",), lambda: sa.select(obj.c.Id).where(obj.c.Id == sa.bindparam("key"))
                )
                if (await conn.execute(stmt, {"key": key})).first() is None:
                    await conn.execute(self._statement(("insert", OBJECT_SET), obj.insert), {"Id": key, **row})
        await conn.execute(self._statement(("insert", entity.__entity_set__), table.insert), {keyname: key, **values})
        return key

    async def insert_many(self, conn: AsyncConnection, entity: type[Entity], rows: list[dict[str, Any]]) -> list[Any]:
        """Insert new entities of one set, ids from the Object registry: two
        statements however many rows (``insert`` one at a time costs two each)."""
        if not rows:
            return []
        if entity.key.edm.category == "guid":
            return [await self.insert(conn, entity, row) for row in rows]
        obj = self.tables[OBJECT_SET]
        now = utcnow()
        register = {
            "Nom": "",
            "Code": "",
            "DateCreation": now,
            "DateModification": now,
            "Actif": True,
            "Type": self._legacy[entity.__entity_set__],
            SET_COLUMN: entity.__entity_set__,
        }
        # One multi-row INSERT … RETURNING (the rows are alike: which id goes to
        # which entity does not matter).
        keys = (await conn.execute(sa.insert(obj).values([register] * len(rows)).returning(obj.c.Id))).scalars().all()
        keyname = entity.key.name
        table = self.table(entity)
        await conn.execute(
            self._statement(("insert", entity.__entity_set__), table.insert),
            [{**{k: v for k, v in row.items() if k != keyname}, keyname: key} for key, row in zip(keys, rows)],
        )
        return list(keys)

    async def update(self, conn: AsyncConnection, entity: type[Entity], key: Any, values: dict[str, Any]) -> bool:
        if values:
            names = tuple(sorted(values))
            table = self.table(entity)
            stmt = self._statement(
                ("update", entity.__entity_set__, names),
                lambda: (
                    sa.update(table)
                    .where(table.c[entity.key.name] == sa.bindparam("_key"), table.c[DELETED] == sa.false())
                    .values({n: sa.bindparam(n) for n in names})
                ),
            )
            result = await conn.execute(stmt, {**values, "_key": key})
            if result.rowcount == 0:
                return False
        await self._touch(conn, entity, key, DateModification=utcnow())
        return True

    async def soft_delete(self, conn: AsyncConnection, entity: type[Entity], key: Any) -> bool:
        table = self.table(entity)
        keycol = table.c[entity.key.name]
        result = await conn.execute(
            sa.update(table).where(keycol == key, table.c[DELETED] == sa.false()).values({DELETED: True})
        )
        if result.rowcount == 0:
            return False
        now = utcnow()
        await self._touch(conn, entity, key, DateModification=now, DateSuppression=now, Actif=False)
        return True

    async def _touch(self, conn: AsyncConnection, entity: type[Entity], key: Any, **values) -> None:
        if entity.key.edm.category == "guid":
            return
        obj = self.tables[OBJECT_SET]
        names = tuple(sorted(values))
        stmt = self._statement(
            ("touch", names),
            lambda: sa.update(obj).where(obj.c.Id == sa.bindparam("_key")).values({n: sa.bindparam(n) for n in names}),
        )
        await conn.execute(stmt, {**values, "_key": key})

    async def fetch(self, conn: AsyncConnection, entity: type[Entity], key: Any, lock: bool = False) -> dict | None:
        """The stored values of a live entity (all properties), or None."""
        lock = lock and self.dialect == "postgresql"

        def build():
            table = self.table(entity)
            stmt = sa.select(*[table.c[n] for n in entity.properties]).where(
                table.c[entity.key.name] == sa.bindparam("key"), table.c[DELETED] == sa.false()
            )
            return stmt.with_for_update() if lock else stmt

        stmt = self._statement(("fetch", entity.__entity_set__, lock), build)
        row = (await conn.execute(stmt, {"key": key})).mappings().first()
        return dict(row) if row else None

    async def missing_references(
        self,
        conn: AsyncConnection,
        entity: type[Entity],
        values: dict[str, Any],
        previous: dict[str, Any] | None = None,
    ) -> list[tuple[str, Any, str]]:
        """(property, value, target set) of every reference that points to no live row.

        Only values that change are checked: an update that sends back a reference
        whose target was deleted since is not refused for it.
        """
        wanted: dict[str, dict[Any, list[str]]] = {}
        for name, prop in entity.properties.items():
            if not prop.ref or name not in values:
                continue
            value = values[name]
            if value in (None, 0) or (previous is not None and previous.get(name) == value):
                continue
            wanted.setdefault(prop.ref, {}).setdefault(value, []).append(name)
        if not wanted:
            return []
        # One statement for the integer-keyed target sets (nearly all): the key of
        # each row found, tagged with the target's position (a UNION ALL, built
        # once per shape); a guid-keyed target gets a statement of its own.
        targets = sorted(wanted)
        plain = [t for t in targets if self.schema.entity(t).key.edm.category != "guid"]
        found: set[tuple[int, Any]] = set()
        for group in ([plain] if plain else []) + [[t] for t in targets if t not in plain]:
            shape = tuple((t, len(wanted[t])) for t in group)
            stmt = self._statement(("references", shape), lambda: self._references_statement(shape))
            params = {f"r{i}_{j}": value for i, t in enumerate(group) for j, value in enumerate(wanted[t])}
            index = {i: targets.index(t) for i, t in enumerate(group)}
            found.update((index[i], key) for i, key in (await conn.execute(stmt, params)).all())
        missing = []
        for i, target_name in enumerate(targets):
            for value, names in wanted[target_name].items():
                if (i, value) not in found:
                    missing.extend((n, value, target_name) for n in names)
        return missing

    def _references_statement(self, shape: tuple[tuple[str, int], ...]):
        parts = []
        for i, (target_name, count) in enumerate(shape):
            target = self.schema.entity(target_name)
            table = self.table(target)
            keycol = table.c[target.key.name]
            cond = table.c.Actif == sa.true() if target_name == OBJECT_SET else self.condition(target, table)
            parts.append(
                sa.select(sa.literal_column(str(i)).label("t"), keycol.label("k")).where(
                    keycol.in_([sa.bindparam(f"r{i}_{j}", type_=keycol.type) for j in range(count)]), cond
                )
            )
        return parts[0] if len(parts) == 1 else sa.union_all(*parts)

    async def taken(
        self,
        conn: AsyncConnection,
        entity: type[Entity],
        name: str | tuple[str, ...],
        value: Any,
        exclude: Any = None,
        deleted: bool = False,
    ) -> bool:
        """Whether a live entity other than ``exclude`` has ``value`` in ``name`` (or the values of a tuple of
        names; ``deleted``: a deleted entity counts too)."""
        table = self.table(entity)
        keycol = table.c[entity.key.name]
        names = (name,) if isinstance(name, str) else name
        values = (value,) if isinstance(name, str) else tuple(value)

        def build():
            stmt = sa.select(keycol).where(*[table.c[n] == sa.bindparam(f"value{i}") for i, n in enumerate(names)])
            if not deleted:
                stmt = stmt.where(table.c[DELETED] == sa.false())
            if exclude is not None:
                stmt = stmt.where(keycol != sa.bindparam("exclude"))
            return stmt.limit(1)

        stmt = self._statement(("taken", entity.__entity_set__, names, exclude is not None, deleted), build)
        params = {f"value{i}": v for i, v in enumerate(values)}
        if exclude is not None:
            params["exclude"] = exclude
        return (await conn.execute(stmt, params)).first() is not None

    def unique_violation(self, error_text: str) -> tuple[str, bool] | None:
        """The message of the declared uniqueness a database error is about, if any, and whether the spec calls
        such a duplicate invalid (400) rather than a conflict (409)."""
        # PostgreSQL names the index; SQLite the columns ("UNIQUE constraint failed: T.a, T.b").
        failed = re.search(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)", error_text)
        columns = tuple(failed.group(1).split(", ")) if failed else ()
        for entity in self.schema:
            for names, message in entity.unique_keys():
                if unique_index_name(entity, names) in error_text or columns == tuple(
                    f"{entity.__entity_set__}.{n}" for n in names
                ):
                    key = names[0] if len(names) == 1 else names
                    shown = message.format_map(_Placeholders())
                    return shown, key in entity.__unique_invalid__
        return None

    async def next_counter(self, conn: AsyncConnection, name: str, start: int = 1) -> int:
        """Draw the next number of a named counter, atomically across processes."""
        counters = self.metadata.tables["scolarite_counter"]
        if self._counters is not None:
            # Drawn outside the write's transaction, as from a sequence: the counter
            # row stays locked for one statement, not until the write commits
            # (concurrent creates queued on it).  A number drawn by a write that
            # then fails is skipped, as a sequence skips it.
            draw = self._statement(("counter-draw",), lambda: self.raw(self._upsert_counter(counters, start=None)))
            async with self._counters.acquire() as ex:
                return (await ex.fetch(draw.sql, draw.args({"_name": name, "_start": start})))[0][0]
        stmt = self._statement(
            ("counter",),
            lambda: (
                sa.update(counters)
                .where(counters.c.name == sa.bindparam("_name"))
                .values(value=counters.c.value + 1)
                .returning(counters.c.value)
            ),
        )
        value = (await conn.execute(stmt, {"_name": name})).scalar_one_or_none()
        if value is not None:
            return value
        return (await conn.execute(self._upsert_counter(counters, start), {"_name": name})).scalar_one()

    def _upsert_counter(self, counters: sa.Table, start: int | None):
        """INSERT the counter at ``start`` (a parameter when None), or add one to it."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        first = sa.bindparam("_start", type_=sa.BigInteger()) if start is None else start
        return (
            insert(counters)
            .values(name=sa.bindparam("_name"), value=first)
            .on_conflict_do_update(index_elements=["name"], set_={"value": counters.c.value + 1})
            .returning(counters.c.value)
        )

    async def fix_sequences(self, conn: AsyncConnection) -> None:
        """After rows were loaded with explicit ids, move the id sequence past them."""
        if self.dialect == "postgresql":
            await conn.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('\"Object\"', 'Id'), "
                    'GREATEST((SELECT COALESCE(MAX("Id"), 0) FROM "Object"), 1))'
                )
            )

    async def dispose(self) -> None:
        if self._checkpoints is not None:
            await self._checkpoints.close()
        if self._sqlite_writer is not None:
            self._sqlite_writer.close()
        if self._raw is not None:
            await self._raw.close()
        if self._counters is not None:
            await self._counters.close()
        await self.engine.dispose()


class _Placeholders(dict):
    """What a uniqueness message says of values it does not know (a concurrent duplicate's)."""

    def __missing__(self, key: str) -> str:
        return "this value"
