"""The scope of an expression: the entity it is evaluated against and the joins its paths need.

A module of its own because both the visitor (``filter``) and the planner
(``query``) build on it: a ``Scope``'s FROM clause is where a read's SELECT
starts, and table aliases are shared between every query compiled.
"""

from __future__ import annotations

import sqlalchemy as sa

from scolarite.schema import Entity


class Scope:
    """The entity an expression is evaluated against, and the joins it needed."""

    def __init__(self, entity: type[Entity], table: sa.FromClause, parent: Scope | None = None, var: str | None = None):
        self.entity = entity
        self.table = table
        self.parent = parent
        self.var = var
        self.joins: dict[tuple[str, ...], tuple[sa.FromClause, type[Entity]]] = {}
        self.join_order: list[tuple[sa.FromClause, sa.ColumnElement[bool]]] = []

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
