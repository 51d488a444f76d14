"""Compile OData expressions (odata-query's AST) to SQLAlchemy Core, with types.

Every node compiles to a ``Typed`` value (SQL expression + EDM category), so type
mistakes such as ``Nom eq 3`` or ``Id eq 'x'`` are reported as 400s naming the
property, before any SQL runs.  Single-valued navigation paths (``Mail/Adresse``,
``Sequence/TypeSequence/Code``) become LEFT OUTER JOINs collected in a ``Scope``;
``any``/``all`` on collection navigations become correlated EXISTS subqueries.

String functions are written so that SQLite and PostgreSQL agree: comparisons are
case-sensitive on both (binary collation), ``contains``/``startswith`` do not use
SQLite's case-insensitive LIKE, and date parts are taken in the configured zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from odata_query import ast as o

from scolarite.schema import Entity, Navigation, edm

from .errors import BadRequest
from .uri import SLOT_INTEGER, SLOT_STRING, string_literal

NUMERIC = {"integer", "number"}
INT32_LIMIT = 2**31


class Storage(Protocol):
    """What the protocol layer needs to know of the database."""

    def table(self, entity: type[Entity]) -> sa.Table: ...

    def condition(self, entity: type[Entity], table: sa.FromClause, domain: bool = True) -> sa.ColumnElement[bool]:
        """Rows of ``entity`` a reader may see: not deleted and, unless ``domain`` is
        false, allowed by the domain's visibility rules."""


@dataclass
class Typed:
    expr: Any
    category: str  # string, integer, number, boolean, datetime, guid, null, ...
    label: str  # how to name it in an error message
    literal: bool = False
    value: Any = None
    edm_type: edm.EdmType | None = None
    slot: int | None = None  # a literal bound at execution (see ``ExpressionCompiler.slots``)


class SlotTyped(Typed):
    """A literal bound at execution: its value is unknown while compiling."""

    @property  # type: ignore[override]
    def value(self) -> Any:
        raise Uncacheable("the value of a literal is needed to compile")

    @value.setter
    def value(self, _ignored: Any) -> None:
        pass


class Uncacheable(Exception):
    """The expression needs the value of a literal to compile: it has no reusable plan."""


def slot_name(index: int) -> str:
    return f"slot_{index}"


class Scope:
    """The entity an expression is evaluated against, and the joins it needed."""

    def __init__(self, entity: type[Entity], table: sa.FromClause, parent: Scope | None = None, var: str | None = None):
        self.entity = entity
        self.table = table
        self.parent = parent
        self.var = var
        self.joins: dict[tuple[str, ...], tuple[sa.FromClause, type[Entity]]] = {}
        self.join_order: list[tuple[sa.FromClause, Any]] = []

    def from_clause(self) -> sa.FromClause:
        clause: sa.FromClause = self.table
        for alias, onclause in self.join_order:
            clause = clause.outerjoin(alias, onclause)
        return clause


# Table aliases are immutable and their names depend only on the order in which a
# query needs them, so they are made once and shared: aliasing a wide table copies
# all its columns, which used to be most of the cost of compiling a filter.
_ALIASES: dict[tuple[sa.Table, str], sa.FromClause] = {}


def shared_alias(table: sa.Table, name: str) -> sa.FromClause:
    key = (table, name)
    alias = _ALIASES.get(key)
    if alias is None:
        alias = _ALIASES[key] = table.alias(name)
    return alias


class ExpressionCompiler:
    """Compiles expressions of one query.

    ``slots`` (the classes of the literals ``uri.filter_shape`` took out) switches on
    shape compilation: a placeholder literal becomes a bound parameter, and
    ``binders`` records, per slot, how its text becomes the bound value (checks
    included).  A use that needs the value itself raises ``Uncacheable``.
    """

    def __init__(self, storage: Storage, dialect: str, slots: list[str] | None = None):
        self.storage = storage
        self.dialect = dialect
        self._alias_count = 0
        self.slots = slots
        self.binders: dict[int, Any] = {}

    # -- entry points ----------------------------------------------------------------

    def predicate(self, node: Any, scope: Scope, option: str = "$filter") -> Any:
        typed = self.value(node, scope)
        if typed.category == "null":
            return sa.false()
        if typed.category != "boolean":
            raise BadRequest(
                f"{option} must be a condition (true or false); {typed.label} is {_article(typed)}", target=option
            )
        return self._as_condition(typed)

    def orderable(self, node: Any, scope: Scope) -> Any:
        typed = self.value(node, scope)
        if typed.category in ("collection", "complex"):
            raise BadRequest(f"cannot sort on {typed.label}", target="$orderby")
        if typed.literal:
            return sa.literal(typed.value)
        if typed.category == "boolean" and not isinstance(typed.expr, sa.Column):
            return sa.case((typed.expr, 1), else_=0)
        return typed.expr

    def _as_condition(self, typed: Typed) -> Any:
        if typed.literal:
            return sa.true() if typed.value else sa.false()
        if isinstance(typed.expr, sa.ColumnClause):  # a bare boolean property
            return typed.expr == sa.true()
        return typed.expr

    # -- values ------------------------------------------------------------------------

    def value(self, node: Any, scope: Scope) -> Typed:
        method = getattr(self, "_v_" + type(node).__name__, None)
        if method is None:
            raise BadRequest(f"this kind of expression is not supported: {type(node).__name__}")
        return method(node, scope)

    def _v_Identifier(self, node: o.Identifier, scope: Scope) -> Typed:
        if node.namespace:
            raise BadRequest(f"qualified names such as {node.full_name()!r} are not supported")
        if node.name == "$it":
            raise BadRequest("$it is not supported here")
        root = scope
        if scope.var is not None:  # inside a lambda, bare names are the outer entity's
            while root.parent is not None and root.var is not None:
                root = root.parent
        return self._member(root, root.table, root.entity, node.name, node.name)

    @staticmethod
    def _segments(node: Any, what: str) -> list[str]:
        """``Sequence/TypeSequence/Code`` as ["Sequence", "TypeSequence", "Code"]."""
        parts: list[str] = []
        while isinstance(node, o.Attribute):
            parts.append(node.attr)
            node = node.owner
        if not isinstance(node, o.Identifier):
            raise BadRequest(what)
        parts.append(node.name)
        return parts[::-1]

    def _v_Attribute(self, node: o.Attribute, scope: Scope) -> Typed:
        parts = self._segments(node, "a property path must start with a property or navigation name")
        owner_scope, table, entity, rest = self._path_root(parts, scope)
        path_text = "/".join(parts)
        for i, name in enumerate(rest[:-1]):
            nav = entity.navigations.get(name)
            if nav is None:
                if name in entity.properties:
                    raise BadRequest(
                        f"{name} is a property of {entity.__entity_set__}, not a navigation: "
                        f"{path_text} cannot go through it",
                        target=path_text,
                    )
                raise BadRequest(
                    f"{entity.__entity_set__} has no navigation property {name!r} (in {path_text})", target=path_text
                )
            if nav.many:
                raise BadRequest(
                    f"{name} is a collection: use {name}/any(x: x/...) or {name}/all(...) "
                    f"to test its items (in {path_text})",
                    target=path_text,
                )
            table, entity = self._join(owner_scope, table, nav, tuple(parts[: len(parts) - len(rest) + i + 1]))
        return self._member(owner_scope, table, entity, rest[-1], path_text)

    def _path_root(self, parts: list[str], scope: Scope):
        """Find where a path starts: a lambda variable or the outermost entity."""
        s: Scope | None = scope
        while s is not None:
            if s.var is not None and s.var == parts[0]:
                if len(parts) == 1:
                    raise BadRequest(f"{parts[0]} stands for an entity; use {parts[0]}/Property")
                return s, s.table, s.entity, parts[1:]
            s = s.parent
        root = scope
        while root.parent is not None and root.var is not None:
            root = root.parent
        return root, root.table, root.entity, parts

    def _join(self, scope: Scope, table: sa.FromClause, nav: Navigation, path: tuple[str, ...]):
        if path in scope.joins:
            return scope.joins[path]
        target = nav.target
        self._alias_count += 1
        alias = shared_alias(self.storage.table(target), f"n{self._alias_count}")
        onclause = sa.and_(alias.c[target.key.name] == table.c[nav.fk], self.storage.condition(target, alias))
        scope.joins[path] = (alias, target)
        scope.join_order.append((alias, onclause))
        return alias, target

    def _member(self, scope: Scope, table: sa.FromClause, entity: type[Entity], name: str, label: str) -> Typed:
        prop = entity.properties.get(name)
        if prop is None:
            if name in entity.navigations:
                nav = entity.navigations[name]
                hint = f"{name}/any(x: ...)" if nav.many else f"{name}/Nom"
                raise BadRequest(
                    f"{name} is a navigation property of {entity.__entity_set__}; "
                    f"compare one of its properties instead, e.g. {hint}",
                    target=label,
                )
            raise BadRequest(f"{entity.__entity_set__} has no property named {name!r}", target=label)
        if prop.secret:
            raise BadRequest(f"{label} is write-only: it cannot be compared, sorted or read", target=label)
        category = prop.edm.category
        if category in ("collection", "complex"):
            raise BadRequest(f"{label} ({prop.edm.name}) cannot be used in an expression", target=label)
        return Typed(table.c[name], category, f"{label} ({prop.edm.name})", edm_type=prop.edm)

    # -- literals --------------------------------------------------------------------------

    def _lit(self, value: Any, category: str, label: str) -> Typed:
        return Typed(sa.literal(value) if value is not None else sa.null(), category, label, True, value)

    def _v_Null(self, node, scope):
        return self._lit(None, "null", "null")

    def _slot(self, node, kind: str) -> int | None:
        if self.slots is None:
            return None
        if kind == "s":
            if not node.val.startswith(SLOT_STRING):
                return None
            index = int(node.val[len(SLOT_STRING) :])
        else:
            index = int(node.val) - SLOT_INTEGER
            if not 0 <= index < len(self.slots):
                return None
        if index >= len(self.slots) or (self.slots[index] == "s") != (kind == "s"):
            raise Uncacheable(node.val)
        return index

    def _slot_lit(self, index: int, category: str, sql_type, binder) -> Typed:
        self.binders[index] = binder
        param = sa.bindparam(slot_name(index), None, type_=sql_type, required=False)
        return SlotTyped(param, category, "a literal", True, None, slot=index)

    def _v_Integer(self, node, scope):
        index = self._slot(node, "i")
        if index is not None:
            return self._slot_lit(
                index, "integer", sa.Integer() if self.slots[index] == "i" else sa.BigInteger(), _integer_literal
            )
        value = _integer_literal(node.val)
        return self._lit(value, "integer", f"the number {node.val}")

    def _v_Float(self, node, scope):
        return self._lit(float(node.val), "number", f"the number {node.val}")

    def _v_Boolean(self, node, scope):
        return self._lit(node.py_val, "boolean", node.val.lower())

    def _v_String(self, node, scope):
        index = self._slot(node, "s")
        if index is not None:
            return self._slot_lit(index, "string", sa.String(), string_literal)
        return self._lit(node.val, "string", f"the string '{node.val}'")

    def _v_DateTime(self, node, scope):
        try:
            value = edm.parse_datetime(node.val)
        except edm.EdmValueError as exc:
            raise BadRequest(str(exc)) from None
        return self._lit(value, "datetime", f"the date {node.val}")

    def _v_Date(self, node, scope):
        try:
            value = edm.parse_datetime(node.val)
        except edm.EdmValueError as exc:
            raise BadRequest(str(exc)) from None
        return self._lit(value, "datetime", f"the date {node.val}")

    def _v_GUID(self, node, scope):
        return self._lit(str(node.py_val), "guid", f"the GUID {node.val}")

    def _v_Duration(self, node, scope):
        raise BadRequest("durations are not supported in expressions")

    def _v_Time(self, node, scope):
        raise BadRequest("time-of-day literals are not supported; compare Edm.DateTimeOffset values")

    def _v_Geography(self, node, scope):
        raise BadRequest("geography literals are not supported")

    def _v_List(self, node, scope):
        raise BadRequest("a list (…) can only stand on the right of 'in'")

    # -- operators -------------------------------------------------------------------------

    def _v_Compare(self, node: o.Compare, scope: Scope) -> Typed:
        left = self.value(node.left, scope)
        if isinstance(node.comparator, o.In):
            if not isinstance(node.right, o.List):
                raise BadRequest(f"'in' needs a list on its right, e.g. {left.label.split(' ')[0]} in (1, 2)")
            items = [self.value(item, scope) for item in node.right.val]
            if not items:
                return self._lit(False, "boolean", "false")
            values = [self._coerce(left, item, "in") for item in items]
            values = [v.value for v in values]
            if left.literal:
                return self._lit(left.value in values, "boolean", "a comparison")
            non_null = [v for v in values if v is not None]
            cond = left.expr.in_(non_null)
            if len(non_null) != len(values):
                cond = sa.or_(cond, left.expr.is_(None))
            return Typed(cond, "boolean", "a comparison")
        right = self.value(node.right, scope)
        op = type(node.comparator).__name__
        if left.category == "null" or right.category == "null":
            other = right if left.category == "null" else left
            if op not in ("Eq", "NotEq"):
                raise BadRequest(f"null can only be compared with eq or ne ({other.label})")
            if other.category == "null":
                return self._lit(op == "Eq", "boolean", "a comparison")
            return Typed(other.expr.is_(None) if op == "Eq" else other.expr.is_not(None), "boolean", "a comparison")
        right = self._coerce(left, right, op)
        left = self._coerce(right, left, op)
        if left.category in ("boolean", "guid") and op not in ("Eq", "NotEq"):
            raise BadRequest(f"{left.label} can only be compared with eq or ne")
        lexpr = left.expr if not left.literal or left.slot is not None else sa.literal(left.value)
        rexpr = right.value if right.literal and not left.literal and right.slot is None else right.expr
        if right.slot is not None and not left.literal:
            # bound with the column's own type, as a literal value would be
            rexpr = sa.bindparam(rexpr.key, None, type_=left.expr.type, required=False)
        ops = {"Eq": "__eq__", "NotEq": "__ne__", "Lt": "__lt__", "LtE": "__le__", "Gt": "__gt__", "GtE": "__ge__"}
        return Typed(getattr(lexpr, ops[op])(rexpr), "boolean", "a comparison")

    def _coerce(self, target: Typed, item: Typed, op: str) -> Typed:
        """Check that ``item`` can be compared with ``target``; convert a literal if needed."""
        a, b = target.category, item.category
        if b == "null" or a == "null" or a == b or (a in NUMERIC and b in NUMERIC):
            return item
        if item.literal and b == "string" and a == "datetime":
            try:
                return self._lit(edm.parse_datetime(item.value), "datetime", item.label)
            except edm.EdmValueError:
                pass
        if item.literal and b == "string" and a == "guid":
            try:
                return self._lit(edm.Guid().parse(item.value), "guid", item.label)
            except edm.EdmValueError:
                pass
        raise BadRequest(
            f"cannot compare {target.label} with {item.label}: {_kind_name(a)} and {_kind_name(b)} do not match",
            target=target.label.split(" ")[0],
        )

    def _v_BoolOp(self, node: o.BoolOp, scope: Scope) -> Typed:
        """``a or b or c`` is one OR of three terms, gathered without recursion: a chain of hundreds of terms
        (an importer's batched look-up) compiles, and renders as SQL, flat."""
        op = type(node.op)
        operands: list[Any] = []
        stack: list[Any] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, o.BoolOp) and type(current.op) is op:
                stack.extend((current.right, current.left))
            else:
                operands.append(current)
        fn = sa.and_ if op is o.And else sa.or_
        return Typed(fn(*(self._cond(x, scope) for x in operands)), "boolean", "a condition")

    def _cond(self, node, scope) -> Any:
        typed = self.value(node, scope)
        if typed.category != "boolean":
            raise BadRequest(f"'and'/'or'/'not' need conditions on both sides; {typed.label} is {_article(typed)}")
        return self._as_condition(typed)

    def _v_UnaryOp(self, node: o.UnaryOp, scope: Scope) -> Typed:
        if isinstance(node.op, o.Not):
            return Typed(sa.not_(self._cond(node.operand, scope)), "boolean", "a condition")
        operand = self.value(node.operand, scope)
        if operand.category not in NUMERIC:
            raise BadRequest(f"cannot negate {operand.label}")
        if operand.literal:
            return self._lit(-operand.value, operand.category, f"-{operand.value}")
        return Typed(-operand.expr, operand.category, f"-{operand.label}")

    def _v_BinOp(self, node: o.BinOp, scope: Scope) -> Typed:
        left, right = self.value(node.left, scope), self.value(node.right, scope)
        name = type(node.op).__name__.lower()
        for side in (left, right):
            if side.category not in NUMERIC:
                raise BadRequest(f"arithmetic ({name}) needs numbers; {side.label} is {_article(side)}")
        category = "integer" if left.category == right.category == "integer" else "number"
        if name in ("div", "mod") and right.literal and right.value == 0:
            raise BadRequest(f"division by zero in {name}")
        lx = left.expr
        rx = right.expr
        if name == "add":
            expr = lx + rx
        elif name == "sub":
            expr = lx - rx
        elif name == "mult":
            expr = lx * rx
        elif name == "div":
            expr = lx / sa.func.nullif(rx, 0)
        else:
            expr = lx % sa.func.nullif(rx, 0)
        return Typed(expr, category, f"an arithmetic expression ({name})")

    # -- functions -------------------------------------------------------------------------

    def _v_Call(self, node: o.Call, scope: Scope) -> Typed:
        name = node.func.name.lower()
        args = [self.value(a, scope) for a in node.args]
        fn = _FUNCTIONS.get(name)
        if fn is None:
            raise BadRequest(f"unknown or unsupported function {node.func.name}()")
        arity, kinds = fn
        if len(args) not in arity:
            raise BadRequest(f"{name}() takes {' or '.join(map(str, arity))} argument(s), {len(args)} given")
        for arg, kind in zip(args, kinds):
            if kind == "string" and arg.category != "string":
                raise BadRequest(f"{name}() expects a string, {arg.label} is {_article(arg)}")
            if kind == "number" and arg.category not in NUMERIC:
                raise BadRequest(f"{name}() expects a number, {arg.label} is {_article(arg)}")
            if kind == "datetime" and arg.category != "datetime":
                raise BadRequest(f"{name}() expects a date, {arg.label} is {_article(arg)}")
        return getattr(self, "_f_" + name)(*args)

    def _f_contains(self, s, sub):
        find = sa.func.strpos if self.dialect == "postgresql" else sa.func.instr
        return Typed(find(s.expr, sub.expr) > 0, "boolean", "contains()")

    def _f_startswith(self, s, prefix):
        if self.dialect == "postgresql" and prefix.slot is not None:
            self.binders[prefix.slot] = lambda raw: _like_escape(string_literal(raw)) + "%"
            return Typed(s.expr.like(prefix.expr, escape="\\"), "boolean", "startswith()")
        if self.dialect == "postgresql" and prefix.literal:
            pattern = _like_escape(prefix.value) + "%"
            return Typed(s.expr.like(pattern, escape="\\"), "boolean", "startswith()")
        return Typed(sa.func.substr(s.expr, 1, sa.func.length(prefix.expr)) == prefix.expr, "boolean", "startswith()")

    def _f_endswith(self, s, suffix):
        start = sa.func.length(s.expr) - sa.func.length(suffix.expr) + 1
        cond = sa.and_(
            sa.func.length(s.expr) >= sa.func.length(suffix.expr), sa.func.substr(s.expr, start) == suffix.expr
        )
        return Typed(cond, "boolean", "endswith()")

    def _f_length(self, s):
        return Typed(sa.func.length(s.expr), "integer", "length()")

    def _f_indexof(self, s, sub):
        find = sa.func.strpos if self.dialect == "postgresql" else sa.func.instr
        return Typed(find(s.expr, sub.expr) - 1, "integer", "indexof()")

    def _f_substring(self, s, start, length=None):
        first = self._position(start, "the start of substring()") + 1
        if length is None:
            return Typed(sa.func.substr(s.expr, first), "string", "substring()")
        return Typed(
            sa.func.substr(s.expr, first, self._position(length, "the length of substring()")), "string", "substring()"
        )

    def _position(self, n: Typed, what: str) -> Any:
        """A character position or count: an integer from 0 to 2³¹-1, as SQL's substr takes it (a literal is
        checked here; a computed one is cast, and one out of range is the database's data error: a 400)."""
        if n.category != "integer":
            raise BadRequest(f"{what} must be an integer, {n.label} is {_article(n)}")
        if n.slot is not None:  # a literal bound per request: checked as it is bound
            bind = self.binders[n.slot]
            self.binders[n.slot] = lambda raw: _in_position_range(bind(raw), what)
            return sa.cast(n.expr, sa.Integer())
        if n.literal:
            return sa.literal(_in_position_range(n.value, what), sa.Integer())
        return sa.cast(n.expr, sa.Integer())

    def _unicode(self, expr):
        # Columns compare in binary ("C") collation on PostgreSQL, whose case mapping
        # is ASCII-only; case-map under ICU's root locale instead (SQLite's lower and
        # upper are replaced by Python's, see store.db).
        return sa.collate(expr, "und-x-icu") if self.dialect == "postgresql" else expr

    def _binary(self, expr):
        return sa.collate(expr, "C") if self.dialect == "postgresql" else expr

    def _f_tolower(self, s):
        return Typed(self._binary(sa.func.lower(self._unicode(s.expr))), "string", "tolower()")

    def _f_toupper(self, s):
        return Typed(self._binary(sa.func.upper(self._unicode(s.expr))), "string", "toupper()")

    def _f_trim(self, s):
        return Typed(sa.func.trim(s.expr), "string", "trim()")

    def _f_concat(self, a, b):
        return Typed(a.expr.op("||")(b.expr), "string", "concat()")

    def _datepart(self, part: str, d: Typed) -> Typed:
        if self.dialect == "postgresql":
            zone = str(edm.current_timezone())
            local = sa.func.timezone(zone, sa.func.timezone("UTC", d.expr))
            expr = sa.cast(sa.func.floor(sa.extract(part, local)), sa.Integer)
        else:
            expr = sa.func.odata_datepart(part, d.expr, str(edm.current_timezone()))
        return Typed(expr, "integer", f"{part}()")

    def _f_year(self, d):
        return self._datepart("year", d)

    def _f_month(self, d):
        return self._datepart("month", d)

    def _f_day(self, d):
        return self._datepart("day", d)

    def _f_hour(self, d):
        return self._datepart("hour", d)

    def _f_minute(self, d):
        return self._datepart("minute", d)

    def _f_second(self, d):
        return self._datepart("second", d)

    def _f_now(self):
        if self.slots is not None:
            raise Uncacheable("now() is evaluated per request")
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        return self._lit(now, "datetime", "now()")

    def _f_round(self, n):
        return Typed(sa.func.round(n.expr), "number", "round()")

    def _f_floor(self, n):
        return Typed(sa.func.floor(n.expr), "number", "floor()")

    def _f_ceiling(self, n):
        name = "ceiling" if self.dialect == "postgresql" else "odata_ceiling"
        return Typed(getattr(sa.func, name)(n.expr), "number", "ceiling()")

    # -- lambdas -------------------------------------------------------------------------

    def _v_CollectionLambda(self, node: o.CollectionLambda, scope: Scope) -> Typed:
        parts = self._segments(node.owner, "any()/all() must follow a collection navigation property")
        owner_scope, table, entity, rest = self._path_root(parts, scope)
        for i, name in enumerate(rest[:-1]):
            nav = entity.navigations.get(name)
            if nav is None or nav.many:
                raise BadRequest(f"{'/'.join(parts)}: {name} is not a single-valued navigation")
            table, entity = self._join(owner_scope, table, nav, tuple(parts[: len(parts) - len(rest) + i + 1]))
        nav = entity.navigations.get(rest[-1])
        if nav is None or not nav.many:
            raise BadRequest(
                f"{'/'.join(parts)} is not a collection navigation property; any()/all() only apply to collections",
                target="/".join(parts),
            )
        target = nav.target
        self._alias_count += 1
        alias = shared_alias(self.storage.table(target), f"l{self._alias_count}")
        lam = node.lambda_
        sub = Scope(target, alias, parent=scope, var=lam.identifier.name if lam else "\0")
        correlation = sa.and_(alias.c[nav.fk] == table.c[entity.key.name], self.storage.condition(target, alias))
        is_all = isinstance(node.operator, o.All)
        if lam is None:
            if is_all:
                raise BadRequest("all() needs a condition, e.g. Items/all(x: x/Valide)")
            cond = correlation
        else:
            pred = self.predicate(lam.expression, sub, option="lambda")
            cond = sa.and_(correlation, sa.not_(pred) if is_all else pred)
        exists = sa.exists(sa.select(sa.literal(1)).select_from(sub.from_clause()).where(cond))
        return Typed(sa.not_(exists) if is_all else exists, "boolean", f"{nav.name}/{'all' if is_all else 'any'}()")


_FUNCTIONS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "contains": ((2,), ("string", "string")),
    "startswith": ((2,), ("string", "string")),
    "endswith": ((2,), ("string", "string")),
    "length": ((1,), ("string",)),
    "indexof": ((2,), ("string", "string")),
    "substring": ((2, 3), ("string", "number", "number")),
    "tolower": ((1,), ("string",)),
    "toupper": ((1,), ("string",)),
    "trim": ((1,), ("string",)),
    "concat": ((2,), ("string", "string")),
    "year": ((1,), ("datetime",)),
    "month": ((1,), ("datetime",)),
    "day": ((1,), ("datetime",)),
    "hour": ((1,), ("datetime",)),
    "minute": ((1,), ("datetime",)),
    "second": ((1,), ("datetime",)),
    "now": ((0,), ()),
    "round": ((1,), ("number",)),
    "floor": ((1,), ("number",)),
    "ceiling": ((1,), ("number",)),
}


def _integer_literal(text: str) -> int:
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise BadRequest(f"the number {text} is too large")
    return value


def _in_position_range(value: int, what: str) -> int:
    if not 0 <= value < INT32_LIMIT:
        raise BadRequest(f"{what} is out of range: {value} (it must be between 0 and {INT32_LIMIT - 1:,})")
    return value


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _kind_name(category: str) -> str:
    return {
        "string": "a string",
        "integer": "an integer",
        "number": "a number",
        "boolean": "a boolean",
        "datetime": "a date",
        "guid": "a GUID",
        "null": "null",
    }.get(category, category)


def _article(t: Typed) -> str:
    return _kind_name(t.category)
