"""What an OData expression compiles to: a SQL expression with its EDM category.

Shared by the expression compiler (``filter``) and its parts (``literals``,
``functions``, ``dialects``), which is why it is a module of its own: each of them
builds ``Typed`` values and words its errors with ``article``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

import sqlalchemy as sa
from odata_query import ast as o

from scolarite.schema import edm

from .errors import BadRequest

Node: TypeAlias = o._Node  # any node of odata-query's AST (the library's own base class)
Binder: TypeAlias = Callable[[str], Any]  # the text of a slot's literal → the value it is bound with

NUMERIC = {"integer", "number"}


@dataclass
class Typed:
    expr: sa.ColumnElement[Any]
    category: str  # string, integer, number, boolean, datetime, guid, null, ...
    label: str  # how to name it in an error message
    literal: bool = False
    value: Any = None
    edm_type: edm.EdmType | None = None
    slot: int | None = None  # a literal bound at execution (see ``ExpressionCompiler.slots``)


class SlotTyped(Typed):
    """A literal bound at execution: its value is unknown while compiling."""

    @property
    def value(self) -> Any:
        raise Uncacheable("the value of a literal is needed to compile")

    @value.setter
    def value(self, _ignored: Any) -> None:
        pass


class Uncacheable(Exception):
    """The expression needs the value of a literal to compile: it has no reusable plan."""


def slot_name(index: int) -> str:
    return f"slot_{index}"


def literal(value: Any, category: str, label: str) -> Typed:
    """A literal known while compiling."""
    return Typed(sa.literal(value) if value is not None else sa.null(), category, label, True, value)


def integer_literal(text: str) -> int:
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise BadRequest(f"the number {text} is too large")
    return value


def kind_name(category: str) -> str:
    return {
        "string": "a string",
        "integer": "an integer",
        "number": "a number",
        "boolean": "a boolean",
        "datetime": "a date",
        "guid": "a GUID",
        "null": "null",
    }.get(category, category)


def article(t: Typed) -> str:
    return kind_name(t.category)
