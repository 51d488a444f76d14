"""The literals of an OData expression, and the slots that stand for them in a query shape.

A mixin of ``filter.ExpressionCompiler``, kept apart from the walk of the
expression: the visitor of each kind of literal node is here, with the handling
of the placeholders ``uri.filter_shape`` puts in a ``$filter`` in place of its
literals (a placeholder compiles to a bound parameter, and its binder, which turns
the request's text into the value, is recorded in ``binders``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from odata_query import ast as o

from scolarite.schema import edm

from .errors import BadRequest
from .scope import Scope
from .typed import Binder, SlotTyped, Typed, Uncacheable, integer_literal, literal, slot_name
from .uri import SLOT_INTEGER, SLOT_STRING, string_literal


class LiteralCompiler:
    """The literal visitors of ``ExpressionCompiler`` (which sets these attributes)."""

    slots: list[str] | None
    binders: dict[int, Binder]

    def _v_Null(self, node: o.Null, scope: Scope) -> Typed:
        return literal(None, "null", "null")

    def _slot(self, node: o.Integer | o.String, kind: str) -> tuple[int, str] | None:
        """The index and class of the slot ``node`` stands for, if it is a placeholder."""
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
        return index, self.slots[index]

    def _slot_lit(self, index: int, category: str, sql_type: sa.types.TypeEngine[Any], binder: Binder) -> Typed:
        self.binders[index] = binder
        param = sa.bindparam(slot_name(index), None, type_=sql_type, required=False)
        return SlotTyped(param, category, "a literal", True, None, slot=index)

    def _v_Integer(self, node: o.Integer, scope: Scope) -> Typed:
        slot = self._slot(node, "i")
        if slot is not None:
            index, size = slot
            return self._slot_lit(index, "integer", sa.Integer() if size == "i" else sa.BigInteger(), integer_literal)
        value = integer_literal(node.val)
        return literal(value, "integer", f"the number {node.val}")

    def _v_Float(self, node: o.Float, scope: Scope) -> Typed:
        return literal(float(node.val), "number", f"the number {node.val}")

    def _v_Boolean(self, node: o.Boolean, scope: Scope) -> Typed:
        return literal(node.py_val, "boolean", node.val.lower())

    def _v_String(self, node: o.String, scope: Scope) -> Typed:
        slot = self._slot(node, "s")
        if slot is not None:
            return self._slot_lit(slot[0], "string", sa.String(), string_literal)
        return literal(node.val, "string", f"the string '{node.val}'")

    def _v_DateTime(self, node: o.DateTime, scope: Scope) -> Typed:
        try:
            value = edm.parse_datetime(node.val)
        except edm.EdmValueError as exc:
            raise BadRequest(str(exc)) from None
        return literal(value, "datetime", f"the date {node.val}")

    def _v_Date(self, node: o.Date, scope: Scope) -> Typed:
        try:
            value = edm.parse_datetime(node.val)
        except edm.EdmValueError as exc:
            raise BadRequest(str(exc)) from None
        return literal(value, "datetime", f"the date {node.val}")

    def _v_GUID(self, node: o.GUID, scope: Scope) -> Typed:
        return literal(str(node.py_val), "guid", f"the GUID {node.val}")

    def _v_Duration(self, node: o.Duration, scope: Scope) -> Typed:
        raise BadRequest("durations are not supported in expressions")

    def _v_Time(self, node: o.Time, scope: Scope) -> Typed:
        raise BadRequest("time-of-day literals are not supported; compare Edm.DateTimeOffset values")

    def _v_Geography(self, node: o.Geography, scope: Scope) -> Typed:
        raise BadRequest("geography literals are not supported")

    def _v_List(self, node: o.List, scope: Scope) -> Typed:
        raise BadRequest("a list (…) can only stand on the right of 'in'")
