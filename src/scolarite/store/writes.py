"""The statements every entity shares, on whichever connection a write has.

Writes go through the ``Object`` registry for their id (one id space, R10), DELETE
is a soft delete; reads of a write (``fetch``, ``taken``, ``missing_references``)
see only live rows.  The statements are built once per shape and executed with
parameters: building them per request (``insert().values(...)``) cost more than
running them.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from scolarite.schema import Entity, Schema

from .backend import Connection
from .tables import DELETED, OBJECT_SET, SET_COLUMN


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class EntityWrites:
    """Tables of a schema, and the writes shared by every entity."""

    def __init__(self, schema: Schema, tables: dict[str, sa.Table], row_locks: bool):
        self.schema = schema
        self.tables = tables
        # Whether ``fetch(lock=True)`` locks the row (SELECT … FOR UPDATE): SQLite
        # has no row locks (its writers take turns).
        self.row_locks = row_locks
        self.visibility: dict[str, Callable[[sa.FromClause], Any]] = {}
        self._legacy = {e.__entity_set__: e.__legacy__ or e.__entity_set__ for e in schema}
        self._statements: dict[tuple[Any, ...], Any] = {}

    def _statement(self, ident: tuple[Any, ...], build: Callable[[], Any]) -> Any:
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

    # -- writes -------------------------------------------------------------------------

    def _registration(self, entity: type[Entity], now: dt.datetime) -> dict[str, Any]:
        """The ``Object`` row of a new entity."""
        return {
            "Nom": "",
            "Code": "",
            "DateCreation": now,
            "DateModification": now,
            "Actif": True,
            "Type": self._legacy[entity.__entity_set__],
            SET_COLUMN: entity.__entity_set__,
        }

    async def insert(self, conn: Connection, entity: type[Entity], values: dict[str, Any], key: Any = None) -> Any:
        """Insert a new entity; its id comes from the Object registry unless ``key`` is given."""
        table = self.table(entity)
        keyname = entity.key.name
        if keyname in values:
            values = dict(values)
            key = values.pop(keyname) if key is None else key
            values.pop(keyname, None)
        if entity.key.edm.category == "guid":
            key = key or str(uuid.uuid4())
        else:
            obj = self.tables[OBJECT_SET]
            row = self._registration(entity, utcnow())
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

    async def insert_many(self, conn: Connection, entity: type[Entity], rows: list[dict[str, Any]]) -> list[Any]:
        """Insert new entities of one set, ids from the Object registry: two
        statements however many rows (``insert`` one at a time costs two each)."""
        if not rows:
            return []
        if entity.key.edm.category == "guid":
            return [await self.insert(conn, entity, row) for row in rows]
        obj = self.tables[OBJECT_SET]
        register = self._registration(entity, utcnow())
        # One multi-row INSERT … RETURNING (the rows are alike: which id goes to
        # which entity does not matter).
        keys = (await conn.execute(sa.insert(obj).values([register] * len(rows)).returning(obj.c.Id))).scalars().all()
        keyname = entity.key.name
        table = self.table(entity)
        await conn.execute(
            self._statement(("insert", entity.__entity_set__), table.insert),
            # One id per row: the INSERT returned as many as it was given rows.
            [
                {**{k: v for k, v in row.items() if k != keyname}, keyname: key}
                for key, row in zip(keys, rows, strict=True)
            ],
        )
        return list(keys)

    async def update(self, conn: Connection, entity: type[Entity], key: Any, values: dict[str, Any]) -> bool:
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

    async def soft_delete(self, conn: Connection, entity: type[Entity], key: Any) -> bool:
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

    async def _touch(self, conn: Connection, entity: type[Entity], key: Any, **values: Any) -> None:
        if entity.key.edm.category == "guid":
            return
        obj = self.tables[OBJECT_SET]
        names = tuple(sorted(values))
        stmt = self._statement(
            ("touch", names),
            lambda: sa.update(obj).where(obj.c.Id == sa.bindparam("_key")).values({n: sa.bindparam(n) for n in names}),
        )
        await conn.execute(stmt, {**values, "_key": key})

    async def fetch(
        self, conn: Connection, entity: type[Entity], key: Any, lock: bool = False
    ) -> dict[str, Any] | None:
        """The stored values of a live entity (all properties), or None."""
        lock = lock and self.row_locks

        def build() -> Any:
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
        conn: Connection,
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
            stmt = self._statement(("references", shape), functools.partial(self._references_statement, shape))
            params = {f"r{i}_{j}": value for i, t in enumerate(group) for j, value in enumerate(wanted[t])}
            index = {i: targets.index(t) for i, t in enumerate(group)}
            found.update((index[i], key) for i, key in (await conn.execute(stmt, params)).all())
        missing: list[tuple[str, Any, str]] = []
        for i, target_name in enumerate(targets):
            for value, names in wanted[target_name].items():
                if (i, value) not in found:
                    missing.extend((n, value, target_name) for n in names)
        return missing

    def _references_statement(self, shape: tuple[tuple[str, int], ...]) -> Any:
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
        conn: Connection,
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

        def build() -> Any:
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
