"""Read queries: collections, single entities and ``$expand``, all in SQL.

A read costs one SELECT for the addressed entities, one per expanded navigation
(children of every parent fetched at once with ``IN``, per-parent ``$top``/``$skip``
with ``ROW_NUMBER()``) and one for ``$count``.  Rows are rendered straight into
dicts in declaration order; the caller encodes the whole response once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from . import edm
from .errors import BadRequest
from .filter import ExpressionCompiler, Scope, Storage
from .schema import Entity
from .uri import ExpandItem, QueryOptions


@dataclass
class Page:
    items: list[dict]
    count: int | None
    next_skip: int | None  # where the next page starts, when the result was cut


@dataclass
class _Shape:
    """What to fetch and render for one entity type under given options."""

    render: list[tuple[str, Callable[[Any], Any] | None]]
    columns: list[str]
    expand: list[ExpandItem]


def shape(entity: type[Entity], options: QueryOptions) -> _Shape:
    if options.select is None or options.select_all:
        selected = list(entity.properties)
    else:
        selected = [n for n in entity.properties if n in options.select]
    render = []
    for name in selected:
        prop = entity.properties[name]
        fn = prop.edm.render
        render.append((name, None if _is_identity(prop.edm) else fn))
    needed = set(selected) | {entity.key.name}
    for item in options.expand:
        if not item.navigation.many:
            needed.add(item.navigation.fk)
    columns = [n for n in entity.properties if n in needed]
    return _Shape(render, columns, options.expand)


def _is_identity(t: edm.EdmType) -> bool:
    """Types whose stored value is already its JSON form (no render call per value)."""
    return type(t).render is edm.EdmType.render


class Reader:
    def __init__(self, storage: Storage, dialect: str, max_page_size: int = 1000):
        self.storage = storage
        self.dialect = dialect
        self.max_page_size = max_page_size
        # Statements of by-key reads, built once per shape: building a SELECT of 40
        # columns and its cache key costs more than running it.
        self._by_key: dict[tuple, Any] = {}

    def _key_statement(self, entity: type[Entity], columns: tuple[str, ...], domain: bool = True):
        ident = (entity.__entity_set__, columns, domain)
        stmt = self._by_key.get(ident)
        if stmt is None:
            table = self.storage.table(entity)
            stmt = sa.select(*[table.c[c] for c in columns]).where(
                table.c[entity.key.name] == sa.bindparam("key"), self.storage.condition(entity, table, domain=domain))
            self._by_key[ident] = stmt
        return stmt

    # -- public ------------------------------------------------------------------------

    def _filtered(self, entity: type[Entity], options: QueryOptions, where: list[Any] | None):
        """The compiler, join scope and WHERE conditions of a collection read."""
        compiler = ExpressionCompiler(self.storage, self.dialect)
        table = self.storage.table(entity)
        scope = Scope(entity, table)
        conds = [self.storage.condition(entity, table), *(where or [])]
        if options.filter is not None:
            conds.append(compiler.predicate(options.filter, scope))
        return compiler, table, scope, conds

    async def collection(self, conn: AsyncConnection, entity: type[Entity], options: QueryOptions,
                         where: list[Any] | None = None, page: bool = True) -> Page:
        compiler, table, scope, conds = self._filtered(entity, options, where)
        order = [(compiler.orderable(o.expr, scope), o.desc) for o in options.orderby]
        sh = shape(entity, options)
        limit = options.top
        cut = False
        if page and (limit is None or limit > self.max_page_size):
            limit = self.max_page_size
            cut = True
        stmt = sa.select(*[table.c[c] for c in sh.columns]).select_from(scope.from_clause()).where(*conds)
        stmt = stmt.order_by(*[(e.desc() if d else e.asc()) for e, d in order], table.c[entity.key.name].asc())
        if options.skip:
            stmt = stmt.offset(options.skip)
        if limit is not None:
            stmt = stmt.limit(limit + 1 if cut else limit)
        rows = (await conn.execute(stmt)).mappings().all()
        next_skip = None
        if cut and len(rows) > limit:
            rows = rows[:limit]
            next_skip = options.skip + limit
        count = None
        if options.count:
            cstmt = sa.select(sa.func.count()).select_from(scope.from_clause()).where(*conds)
            count = (await conn.execute(cstmt)).scalar_one()
        items = await self._render(conn, entity, sh, rows)
        return Page(items, count, next_skip)

    async def count(self, conn: AsyncConnection, entity: type[Entity], options: QueryOptions,
                    where: list[Any] | None = None) -> int:
        _, _, scope, conds = self._filtered(entity, options, where)
        stmt = sa.select(sa.func.count()).select_from(scope.from_clause()).where(*conds)
        return (await conn.execute(stmt)).scalar_one()

    async def single(self, conn: AsyncConnection, entity: type[Entity], key: Any,
                     options: QueryOptions, written: bool = False) -> dict | None:
        """One entity by key.  ``written``: the entity a write just stored, shown even
        if a visibility rule hides it from later reads."""
        if options.filter is not None or options.orderby or options.top is not None or options.skip:
            raise BadRequest("$filter, $orderby, $top and $skip apply to collections, not to a single entity")
        sh = shape(entity, options)
        stmt = self._key_statement(entity, tuple(sh.columns), domain=not written)
        rows = (await conn.execute(stmt, {"key": key})).mappings().all()
        if not rows:
            return None
        return (await self._render(conn, entity, sh, rows))[0]

    async def exists(self, conn: AsyncConnection, entity: type[Entity], key: Any) -> bool:
        stmt = self._key_statement(entity, (entity.key.name,))
        return (await conn.execute(stmt, {"key": key})).first() is not None

    async def value_of(self, conn: AsyncConnection, entity: type[Entity], key: Any, column: str) -> tuple[bool, Any]:
        stmt = self._key_statement(entity, (column,))
        row = (await conn.execute(stmt, {"key": key})).first()
        return (row is not None, row[0] if row else None)

    # -- rendering and expansion ---------------------------------------------------------

    async def _render(self, conn: AsyncConnection, entity: type[Entity], sh: _Shape, rows) -> list[dict]:
        items = []
        for row in rows:
            item = {}
            for name, fn in sh.render:
                value = row[name]
                item[name] = fn(value) if fn is not None and value is not None else value
            items.append(item)
        for exp in sh.expand:
            await self._expand(conn, entity, exp, rows, items)
        return items

    async def _expand(self, conn: AsyncConnection, entity: type[Entity], exp: ExpandItem, rows, items) -> None:
        nav = exp.navigation
        target = nav.target
        opts = exp.options
        table = self.storage.table(target)
        compiler = ExpressionCompiler(self.storage, self.dialect)
        scope = Scope(target, table)
        conds = [self.storage.condition(target, table)]
        if opts.filter is not None:
            conds.append(compiler.predicate(opts.filter, scope))
        sh = shape(target, opts)
        if not nav.many:
            fks = {row[nav.fk] for row in rows if row[nav.fk] not in (None, 0)}
            found: dict[Any, dict] = {}
            if fks:
                stmt = sa.select(*[table.c[c] for c in sh.columns]).select_from(scope.from_clause()).where(
                    table.c[target.key.name].in_(sorted(fks)), *conds)
                child_rows = (await conn.execute(stmt)).mappings().all()
                rendered = await self._render(conn, target, sh, child_rows)
                found = {r[target.key.name]: item for r, item in zip(child_rows, rendered)}
            for row, item in zip(rows, items):
                item[nav.name] = found.get(row[nav.fk])
            return
        keys = [row[entity.key.name] for row in rows]
        groups: dict[Any, list[dict]] = {k: [] for k in keys}
        counts: dict[Any, int] = {}
        if keys:
            columns = list(dict.fromkeys([*sh.columns, nav.fk]))
            order = [(compiler.orderable(o.expr, scope), o.desc) for o in opts.orderby]
            order_by = [*[(e.desc() if d else e.asc()) for e, d in order], table.c[target.key.name].asc()]
            base = sa.select(*[table.c[c] for c in columns]).select_from(scope.from_clause()).where(
                table.c[nav.fk].in_(keys), *conds)
            if opts.top is not None or opts.skip:
                rn = sa.func.row_number().over(partition_by=table.c[nav.fk], order_by=order_by).label("_rn")
                sub = base.add_columns(rn).subquery()
                lo = opts.skip
                cond = [sub.c._rn > lo]
                if opts.top is not None:
                    cond.append(sub.c._rn <= lo + opts.top)
                stmt = sa.select(*[sub.c[c] for c in columns]).where(*cond).order_by(sub.c[nav.fk], sub.c._rn)
            else:
                stmt = base.order_by(*order_by)
            child_rows = (await conn.execute(stmt)).mappings().all()
            rendered = await self._render(conn, target, sh, child_rows)
            for r, item in zip(child_rows, rendered):
                groups[r[nav.fk]].append(item)
            if opts.count:
                cstmt = sa.select(table.c[nav.fk], sa.func.count()).select_from(scope.from_clause()).where(
                    table.c[nav.fk].in_(keys), *conds).group_by(table.c[nav.fk])
                counts = dict((await conn.execute(cstmt)).all())
        for row, item in zip(rows, items):
            key = row[entity.key.name]
            if opts.count:
                item[f"{nav.name}@odata.count"] = counts.get(key, 0)
            item[nav.name] = groups.get(key, [])
