"""Read queries: collections, single entities and ``$expand``, compiled once to SQL text.

A read is *planned* (options type-checked, SELECTs built with SQLAlchemy Core and
compiled for the dialect) and the plan is then *run*: its SQL text is bound with
the request's values and sent straight to the driver through an ``Executor``, and
rows (plain tuples) are rendered into dicts in declaration order; the caller
encodes the whole response once.  Planning costs far more than PostgreSQL takes to
run the statement, so the endpoint keeps plans per query shape (``ReadPlan`` has
no request values in it: the literals of ``$filter`` are slots, the key, ``$top``
and ``$skip`` are given to ``run``).

A read costs one SELECT for the addressed entities, one per expanded navigation
level (children of every parent fetched at once with the key list bound as one
parameter, per-parent ``$top``/``$skip`` with ``ROW_NUMBER()``) and one for
``$count``.  The parts of a plan are in ``plans``; running its expansion levels is
``expand``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from scolarite.schema import Entity, edm

from .dialects import compiler_for
from .errors import BadRequest
from .expand import render
from .filter import ExpressionCompiler
from .limits import DEFAULT_LIMITS, RowBudget
from .plans import (
    FIXED,
    KEY,
    KEYS,
    SLOT,
    Converter,
    Expansion,
    Item,
    Joined,
    Level,
    Page,
    Param,
    ReadPlan,
    RenderItem,
    Statement,
    empty,
)
from .ports import Executor, Storage
from .scope import Scope, shared_alias
from .typed import Binder
from .uri import ExpandItem, QueryOptions

__all__ = ["Executor", "Expansion", "Level", "Page", "ReadPlan", "Reader", "Statement", "Storage"]


@dataclass
class _Projection:
    columns: list[sa.ColumnElement[Any]]
    from_clause: Any  # a FromClause, or None for the levels whose statement is already built
    index: dict[str, int]  # the entity's own columns
    navs: list[tuple[str, Joined | None]] = field(default_factory=list)
    rest: list[ExpandItem] = field(default_factory=list)  # expansions run as statements of their own

    @classmethod
    def plain(cls, names: list[str], expand: Sequence[ExpandItem] = ()) -> _Projection:
        return cls(
            [], None, {n: i for i, n in enumerate(names)}, [(e.navigation.name, None) for e in expand], list(expand)
        )


class Reader:
    def __init__(
        self,
        storage: Storage,
        dialect: sa.engine.Dialect,
        max_page_size: int = 1000,
        max_expanded: int = DEFAULT_LIMITS.max_expanded_entities,
    ):
        self.storage = storage
        self.dialect = dialect
        self.dialect_name = dialect.name
        self.max_page_size = max_page_size
        self.max_expanded = max_expanded  # entities the expansions of one response may read
        self._simple: dict[tuple[str, str], Level] = {}

    # -- planning ----------------------------------------------------------------------

    def plan_collection(
        self,
        entity: type[Entity],
        options: QueryOptions,
        where: list[Any] | None = None,
        slots: list[str] | None = None,
    ) -> tuple[ReadPlan, dict[int, Binder]]:
        """The plan of a collection read, and the binders of its slots."""
        compiler, table, scope, conds = self._filtered(entity, options, where, slots)
        order = [(compiler.orderable(o.expr, scope), o.desc) for o in options.orderby]
        proj = self._project(entity, options, table, scope.from_clause())
        stmt = sa.select(*proj.columns).select_from(proj.from_clause).where(*conds)
        stmt = stmt.order_by(*[(e.desc() if d else e.asc()) for e, d in order], table.c[entity.key.name].asc())
        main = self._level(entity, options, stmt, proj)
        count = None
        if options.count:
            count = self._compile(sa.select(sa.func.count()).select_from(scope.from_clause()).where(*conds))
        return ReadPlan(main, count, options.top, options.skip), compiler.binders

    def plan_count(self, entity: type[Entity], options: QueryOptions, where: list[Any] | None = None) -> Statement:
        _, _, scope, conds = self._filtered(entity, options, where)
        return self._compile(sa.select(sa.func.count()).select_from(scope.from_clause()).where(*conds))

    def plan_single(self, entity: type[Entity], options: QueryOptions, domain: bool = True) -> ReadPlan:
        if options.filter is not None or options.orderby or options.top is not None or options.skip:
            raise BadRequest("$filter, $orderby, $top and $skip apply to collections, not to a single entity")
        table = self.storage.table(entity)
        proj = self._project(entity, options, table, table)
        stmt = (
            sa.select(*proj.columns)
            .select_from(proj.from_clause)
            .where(table.c[entity.key.name] == self._key_param(), self.storage.condition(entity, table, domain=domain))
        )
        return ReadPlan(self._level(entity, options, stmt, proj))

    def _simple_level(self, entity: type[Entity], column: str) -> Level:
        ident = (entity.__entity_set__, column)
        level = self._simple.get(ident)
        if level is None:
            table = self.storage.table(entity)
            options = QueryOptions(select=[column])
            stmt = sa.select(table.c[column]).where(
                table.c[entity.key.name] == self._key_param(), self.storage.condition(entity, table)
            )
            level = self._simple[ident] = self._level(entity, options, stmt, _Projection.plain([column]))
        return level

    def _filtered(
        self, entity: type[Entity], options: QueryOptions, where: list[Any] | None, slots: list[str] | None = None
    ) -> tuple[ExpressionCompiler, sa.Table, Scope, list[Any]]:
        """The compiler, join scope and WHERE conditions of a collection read."""
        compiler = compiler_for(self.storage, self.dialect_name, slots)
        table = self.storage.table(entity)
        scope = Scope(entity, table)
        conds = [self.storage.condition(entity, table), *(where or [])]
        if options.filter is not None:
            conds.append(compiler.predicate(options.filter, scope))
        return compiler, table, scope, conds

    @staticmethod
    def _columns(entity: type[Entity], options: QueryOptions) -> list[str]:
        needed = {n for n in _selected(entity, options) if not entity.properties[n].secret} | {entity.key.name}
        for item in options.expand:
            if not item.navigation.many:
                needed.add(item.navigation.fk)
        return [n for n in entity.properties if n in needed]

    def _project(
        self, entity: type[Entity], options: QueryOptions, table: sa.Table, from_clause: sa.FromClause
    ) -> _Projection:
        """The columns of a top-level SELECT, with its to-one expansions joined in.

        A to-one ``$expand`` without options of its own (``$select`` aside) is a
        LEFT OUTER JOIN in the same statement: one round trip instead of two."""
        columns = self._columns(entity, options)
        proj = _Projection([table.c[c] for c in columns], from_clause, {n: i for i, n in enumerate(columns)})
        for n, item in enumerate(options.expand):
            nav, opts = item.navigation, item.options
            if (
                nav.many
                or opts.filter is not None
                or opts.expand
                or opts.orderby
                or opts.top is not None
                or opts.skip
                or opts.count
            ):
                proj.navs.append((nav.name, None))
                proj.rest.append(item)
                continue
            target = nav.target
            alias = shared_alias(self.storage.table(target), f"x{n + 1}")
            proj.from_clause = proj.from_clause.outerjoin(
                alias, sa.and_(alias.c[target.key.name] == table.c[nav.fk], self.storage.condition(target, alias))
            )
            start = len(proj.columns)
            sub = self._columns(target, opts)
            proj.columns += [alias.c[c] for c in sub]
            sub_index = {name: start + i for i, name in enumerate(sub)}
            proj.navs.append((nav.name, (sub_index[target.key.name], self._render_spec(target, opts, sub_index))))
        return proj

    def _render_spec(self, entity: type[Entity], options: QueryOptions, index: dict[str, int]) -> list[RenderItem]:
        """(property, column index, converter) in rendering order.  A write-only property is never read: its
        index is None and it renders as its empty value (null, or "" when it is not nullable: as documented)."""
        return [
            (name, None, empty(entity.properties[name]))
            if entity.properties[name].secret
            else (name, index[name], self._converter(entity.properties[name].edm))
            for name in _selected(entity, options)
        ]

    def _level(
        self, entity: type[Entity], options: QueryOptions, stmt: sa.Select[Any], proj: _Projection | list[str]
    ) -> Level:
        if not isinstance(proj, _Projection):  # nested levels: plain columns, every expansion separate
            proj = _Projection.plain(proj, options.expand)
        render = self._render_spec(entity, options, proj.index)
        level = Level(entity, self._compile(stmt), render, proj.index, navs=proj.navs)
        level.expand = [self._expansion(item) for item in proj.rest]
        return level

    def _expansion(self, exp: ExpandItem) -> Expansion:
        """The statements of an expanded navigation that is not joined into its parent's: the children of every
        parent at once, with per-parent ``$top``/``$skip`` for a collection."""
        nav, target, opts = exp.navigation, exp.navigation.target, exp.options
        table = self.storage.table(target)
        compiler = compiler_for(self.storage, self.dialect_name)
        scope = Scope(target, table)
        conds = [self.storage.condition(target, table)]
        if opts.filter is not None:
            conds.append(compiler.predicate(opts.filter, scope))
        columns = self._columns(target, opts)
        if not nav.many:
            stmt = (
                sa.select(*[table.c[c] for c in columns])
                .select_from(scope.from_clause())
                .where(self._keys_in(table.c[target.key.name]), *conds)
            )
            return Expansion(exp, self._level(target, opts, stmt, columns))
        columns = list(dict.fromkeys([*columns, nav.fk]))
        order = [(compiler.orderable(o.expr, scope), o.desc) for o in opts.orderby]
        order_by = [*[(e.desc() if d else e.asc()) for e, d in order], table.c[target.key.name].asc()]
        keys_in = self._keys_in(table.c[nav.fk])
        base = sa.select(*[table.c[c] for c in columns]).select_from(scope.from_clause()).where(keys_in, *conds)
        if opts.top is not None or opts.skip:
            rn = sa.func.row_number().over(partition_by=table.c[nav.fk], order_by=order_by).label("_rn")
            sub = base.add_columns(rn).subquery()
            cond = [sub.c._rn > opts.skip]
            if opts.top is not None:
                cond.append(sub.c._rn <= opts.skip + opts.top)
            stmt = sa.select(*[sub.c[c] for c in columns]).where(*cond).order_by(sub.c[nav.fk], sub.c._rn)
        else:
            stmt = base.order_by(*order_by)
        count = None
        if opts.count:
            count = self._compile(
                sa.select(table.c[nav.fk], sa.func.count())
                .select_from(scope.from_clause())
                .where(self._keys_in(table.c[nav.fk]), *conds)
                .group_by(table.c[nav.fk])
            )
        return Expansion(exp, self._level(target, opts, stmt, columns), count)

    # -- compilation -------------------------------------------------------------------

    @staticmethod
    def _key_param() -> sa.BindParameter[Any]:
        return sa.bindparam("key", None, required=False)

    def _keys_in(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        """``column`` among a list of keys bound as one parameter, so that one
        statement serves any number of parents (and stays prepared)."""
        if self.dialect_name == "postgresql":
            return column == sa.any_(sa.bindparam("keys", None, type_=ARRAY(column.type), required=False))
        each: sa.Select[Any] = sa.select(sa.literal_column("value")).select_from(
            sa.func.json_each(sa.bindparam("keys", None, required=False))
        )
        return column.in_(each)

    def _compile(self, stmt: sa.Select[Any]) -> Statement:
        compiled = stmt.compile(dialect=self.dialect, compile_kwargs={"render_postcompile": True})
        values = compiled.construct_params()
        # (a processor is a sequence only for tuple types, which no read binds)
        processors = cast("Mapping[str, Converter]", compiled._bind_processors)
        params: list[Param] = []
        for name in compiled.positiontup or ():
            proc = processors.get(name)
            if name.startswith("slot_"):
                params.append((SLOT, int(name[5:]), proc))
            elif name == "key":
                params.append((KEY, None, proc))
            elif name == "keys":
                params.append((KEYS, None, proc))
            else:
                value = values[name]
                params.append((FIXED, proc(value) if proc is not None and value is not None else value, None))
        return Statement(compiled.string, params, keys_as_json=self.dialect_name != "postgresql")

    def _converter(self, t: edm.EdmType) -> Converter | None:
        """Driver value → JSON value: the type's result processor, then the EDM rendering."""
        proc = edm.result_processor(t.sa_type(), self.dialect)
        render = None if type(t).render is edm.EdmType.render else t.render
        if proc is None:
            return render
        if render is None:
            return proc
        return lambda v: render(proc(v))

    # -- running -----------------------------------------------------------------------

    async def collection(
        self,
        ex: Executor,
        plan: ReadPlan,
        slots: Sequence[Any] = (),
        top: int | None = None,
        skip: int = 0,
        page: bool = True,
    ) -> Page:
        limit = top
        cut = False
        if page and (limit is None or limit > self.max_page_size):
            limit = self.max_page_size
            cut = True
        sql = plan.main.stmt.sql
        if limit is not None:
            sql += f" LIMIT {limit + 1 if cut else limit}"
            if skip:
                sql += f" OFFSET {skip}"
        elif skip:
            sql += f" LIMIT {-1 if self.dialect_name == 'sqlite' else 'ALL'} OFFSET {skip}"
        rows = await ex.fetch(sql, plan.main.stmt.bind(slots))
        next_skip = None
        if cut and limit is not None and len(rows) > limit:  # (a cut read always has a limit)
            rows = rows[:limit]
            next_skip = skip + limit
        count = None
        if plan.count is not None:
            count = (await ex.fetch(plan.count.sql, plan.count.bind(slots)))[0][0]
        items = await render(ex, plan.main, rows, RowBudget(self.max_expanded))
        return Page(items, count, next_skip)

    async def count(self, ex: Executor, stmt: Statement, slots: Sequence[Any] = ()) -> int:
        n: int = (await ex.fetch(stmt.sql, stmt.bind(slots)))[0][0]
        return n

    async def single(self, ex: Executor, plan: ReadPlan, key: Any) -> Item | None:
        rows = await ex.fetch(plan.main.stmt.sql, plan.main.stmt.bind(key=key))
        if not rows:
            return None
        return (await render(ex, plan.main, rows, RowBudget(self.max_expanded)))[0]

    async def exists(self, ex: Executor, entity: type[Entity], key: Any) -> bool:
        stmt = self._simple_level(entity, entity.key.name).stmt
        return bool(await ex.fetch(stmt.sql, stmt.bind(key=key)))

    async def value_of(self, ex: Executor, entity: type[Entity], key: Any, column: str) -> tuple[bool, Any]:
        if entity.properties[column].secret:
            return await self.exists(ex, entity, key), empty(entity.properties[column])
        level = self._simple_level(entity, column)
        rows = await ex.fetch(level.stmt.sql, level.stmt.bind(key=key))
        if not rows:
            return False, None
        conv = level.render[0][2]
        value = rows[0][0]
        return True, conv(value) if conv is not None and value is not None else value


def _selected(entity: type[Entity], options: QueryOptions) -> list[str]:
    if options.select is None or options.select_all:
        return list(entity.properties)
    return [n for n in entity.properties if n in options.select]
