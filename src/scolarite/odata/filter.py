"""Compile OData expressions (odata-query's AST) to SQLAlchemy Core, with types.

Every node compiles to a ``Typed`` value (SQL expression + EDM category, see
``typed``), so type mistakes such as ``Nom eq 3`` or ``Id eq 'x'`` are reported as
400s naming the property, before any SQL runs.  Single-valued navigation paths
(``Mail/Adresse``, ``Sequence/TypeSequence/Code``) become LEFT OUTER JOINs
collected in a ``Scope`` (``scope``); ``any``/``all`` on collection navigations
become correlated EXISTS subqueries.  The visitor walks the expression; literals
(and the slots of a query shape) are compiled by the ``literals`` mixin, function
calls by the ``functions`` one.

``ExpressionCompiler`` is the visitor common to the dialects; as in odata-query,
each dialect has its own subclass (``dialects``), which is what the planner
instantiates.  String functions are written so that SQLite and PostgreSQL agree:
comparisons are case-sensitive on both (binary collation), ``contains``/
``startswith`` do not use SQLite's case-insensitive LIKE, and date parts are taken
in the configured zone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import sqlalchemy as sa
from odata_query import ast as o

from scolarite.schema import Entity, Navigation, edm

from .errors import BadRequest
from .functions import FunctionCompiler
from .literals import LiteralCompiler
from .ports import Storage
from .scope import Scope, shared_alias
from .typed import (
    NUMERIC,
    Binder,
    Node,
    SlotTyped,
    Typed,
    Uncacheable,
    article,
    kind_name,
    literal,
    slot_name,
)

__all__ = [
    "ExpressionCompiler",
    "Scope",
    "SlotTyped",
    "Storage",
    "Typed",
    "Uncacheable",
    "shared_alias",
    "slot_name",
]

_COMPARISONS = {"Eq": "__eq__", "NotEq": "__ne__", "Lt": "__lt__", "LtE": "__le__", "Gt": "__gt__", "GtE": "__ge__"}


class ExpressionCompiler(LiteralCompiler, FunctionCompiler):
    """Compiles expressions of one query (a subclass of ``dialects`` per SQL dialect).

    ``slots`` (the classes of the literals ``uri.filter_shape`` took out) switches on
    shape compilation: a placeholder literal becomes a bound parameter, and
    ``binders`` records, per slot, how its text becomes the bound value (checks
    included).  A use that needs the value itself raises ``Uncacheable``.
    """

    dialect: ClassVar[str]

    def __init__(self, storage: Storage, slots: list[str] | None = None):
        self.storage = storage
        self._alias_count = 0
        self.slots = slots
        self.binders: dict[int, Binder] = {}

    # -- entry points ----------------------------------------------------------------

    def predicate(self, node: Node, scope: Scope, option: str = "$filter") -> sa.ColumnElement[bool]:
        typed = self.value(node, scope)
        if typed.category == "null":
            return sa.false()
        if typed.category != "boolean":
            raise BadRequest(
                f"{option} must be a condition (true or false); {typed.label} is {article(typed)}", target=option
            )
        return self._as_condition(typed)

    def orderable(self, node: Node, scope: Scope) -> sa.ColumnElement[Any]:
        typed = self.value(node, scope)
        if typed.category in ("collection", "complex"):
            raise BadRequest(f"cannot sort on {typed.label}", target="$orderby")
        if typed.literal:
            return sa.literal(typed.value)
        if typed.category == "boolean" and not isinstance(typed.expr, sa.Column):
            return sa.case((typed.expr, 1), else_=0)
        return typed.expr

    def _as_condition(self, typed: Typed) -> sa.ColumnElement[bool]:
        if typed.literal:
            return sa.true() if typed.value else sa.false()
        if isinstance(typed.expr, sa.ColumnClause):  # a bare boolean property
            return typed.expr == sa.true()
        return typed.expr

    # -- values ------------------------------------------------------------------------

    def value(self, node: Node, scope: Scope) -> Typed:
        method: Callable[[Any, Scope], Typed] | None = getattr(self, "_v_" + type(node).__name__, None)
        if method is None:
            raise BadRequest(f"this kind of expression is not supported: {type(node).__name__}")
        return method(node, scope)

    def _v_Identifier(self, node: o.Identifier, scope: Scope) -> Typed:
        if node.namespace:
            raise BadRequest(f"qualified names such as {'.'.join((*node.namespace, node.name))!r} are not supported")
        if node.name == "$it":
            raise BadRequest("$it is not supported here")
        root = scope
        if scope.var is not None:  # inside a lambda, bare names are the outer entity's
            while root.parent is not None and root.var is not None:
                root = root.parent
        return self._member(root, root.table, root.entity, node.name, node.name)

    @staticmethod
    def _segments(node: Node, what: str) -> list[str]:
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

    def _path_root(self, parts: list[str], scope: Scope) -> tuple[Scope, sa.FromClause, type[Entity], list[str]]:
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

    def _join(
        self, scope: Scope, table: sa.FromClause, nav: Navigation, path: tuple[str, ...]
    ) -> tuple[sa.FromClause, type[Entity]]:
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

    # -- operators -------------------------------------------------------------------------

    def _v_Compare(self, node: o.Compare, scope: Scope) -> Typed:
        left = self.value(node.left, scope)
        if isinstance(node.comparator, o.In):
            return self._in(left, node.right, scope)
        right = self.value(node.right, scope)
        op = type(node.comparator).__name__
        if left.category == "null" or right.category == "null":
            other = right if left.category == "null" else left
            if op not in ("Eq", "NotEq"):
                raise BadRequest(f"null can only be compared with eq or ne ({other.label})")
            if other.category == "null":
                return literal(op == "Eq", "boolean", "a comparison")
            return Typed(other.expr.is_(None) if op == "Eq" else other.expr.is_not(None), "boolean", "a comparison")
        right = self._coerce(left, right, op)
        left = self._coerce(right, left, op)
        if left.category in ("boolean", "guid") and op not in ("Eq", "NotEq"):
            raise BadRequest(f"{left.label} can only be compared with eq or ne")
        lexpr = left.expr if not left.literal or left.slot is not None else sa.literal(left.value)
        rexpr: Any = right.value if right.literal and not left.literal and right.slot is None else right.expr
        if right.slot is not None and not left.literal:
            # bound with the column's own type, as a literal value would be
            rexpr = sa.bindparam(rexpr.key, None, type_=left.expr.type, required=False)
        return Typed(getattr(lexpr, _COMPARISONS[op])(rexpr), "boolean", "a comparison")

    def _in(self, left: Typed, right: Node, scope: Scope) -> Typed:
        """``left in (a, b, …)``."""
        if not isinstance(right, o.List):
            raise BadRequest(f"'in' needs a list on its right, e.g. {left.label.split(' ')[0]} in (1, 2)")
        items = [self.value(item, scope) for item in right.val]
        if not items:
            return literal(False, "boolean", "false")
        coerced = [self._coerce(left, item, "in") for item in items]
        values = [v.value for v in coerced]
        if left.literal:
            return literal(left.value in values, "boolean", "a comparison")
        non_null = [v for v in values if v is not None]
        cond: sa.ColumnElement[bool] = left.expr.in_(non_null)
        if len(non_null) != len(values):
            cond = sa.or_(cond, left.expr.is_(None))
        return Typed(cond, "boolean", "a comparison")

    def _coerce(self, target: Typed, item: Typed, op: str) -> Typed:
        """Check that ``item`` can be compared with ``target``; convert a literal if needed."""
        a, b = target.category, item.category
        if b == "null" or a == "null" or a == b or (a in NUMERIC and b in NUMERIC):
            return item
        if item.literal and b == "string" and a == "datetime":
            try:
                return literal(edm.parse_datetime(item.value), "datetime", item.label)
            except edm.EdmValueError:
                pass
        if item.literal and b == "string" and a == "guid":
            try:
                return literal(edm.Guid().parse(item.value), "guid", item.label)
            except edm.EdmValueError:
                pass
        raise BadRequest(
            f"cannot compare {target.label} with {item.label}: {kind_name(a)} and {kind_name(b)} do not match",
            target=target.label.split(" ")[0],
        )

    def _v_BoolOp(self, node: o.BoolOp, scope: Scope) -> Typed:
        """``a or b or c`` is one OR of three terms, gathered without recursion: a chain of hundreds of terms
        (an importer's batched look-up) compiles, and renders as SQL, flat."""
        op = type(node.op)
        operands: list[Node] = []
        stack: list[Node] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, o.BoolOp) and type(current.op) is op:
                stack.extend((current.right, current.left))
            else:
                operands.append(current)
        fn: Callable[..., sa.ColumnElement[bool]] = sa.and_ if op is o.And else sa.or_
        return Typed(fn(*(self._cond(x, scope) for x in operands)), "boolean", "a condition")

    def _cond(self, node: Node, scope: Scope) -> sa.ColumnElement[bool]:
        typed = self.value(node, scope)
        if typed.category != "boolean":
            raise BadRequest(f"'and'/'or'/'not' need conditions on both sides; {typed.label} is {article(typed)}")
        return self._as_condition(typed)

    def _v_UnaryOp(self, node: o.UnaryOp, scope: Scope) -> Typed:
        if isinstance(node.op, o.Not):
            return Typed(sa.not_(self._cond(node.operand, scope)), "boolean", "a condition")
        operand = self.value(node.operand, scope)
        if operand.category not in NUMERIC:
            raise BadRequest(f"cannot negate {operand.label}")
        if operand.literal:
            return literal(-operand.value, operand.category, f"-{operand.value}")
        return Typed(-operand.expr, operand.category, f"-{operand.label}")

    def _v_BinOp(self, node: o.BinOp, scope: Scope) -> Typed:
        left, right = self.value(node.left, scope), self.value(node.right, scope)
        name = type(node.op).__name__.lower()
        for side in (left, right):
            if side.category not in NUMERIC:
                raise BadRequest(f"arithmetic ({name}) needs numbers; {side.label} is {article(side)}")
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

    def _v_Call(self, node: o.Call, scope: Scope) -> Typed:
        return self.call(node.func.name, [self.value(a, scope) for a in node.args])

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
