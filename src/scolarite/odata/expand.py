"""Running the levels of a read: rows rendered, then the expanded navigations fetched and put in place.

Kept apart from the planner (``query``) because it is the other half of a read's
life: it only binds the statements planned there and fills the rendered items.
Each expansion level costs one statement for the children of every parent at once
(the parents' keys bound as one parameter), plus one for its ``$count``; what the
expansions of a response may read is bounded by its ``RowBudget``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .limits import RowBudget
from .plans import Expansion, Item, Level, Row, Statement
from .ports import Executor


async def render(ex: Executor, level: Level, rows: Sequence[Row], budget: RowBudget) -> list[Item]:
    """The JSON objects of ``rows`` of ``level``, with their expanded navigations."""
    items = list(map(level.to_dict, rows))
    for exp in level.expand:
        if exp.item.navigation.many:
            await _expand_many(ex, level, exp, rows, items, budget)
        else:
            await _expand_one(ex, level, exp, rows, items, budget)
    return items


async def _fetch(ex: Executor, stmt: Statement, keys: list[Any], budget: RowBudget, what: str) -> Sequence[Row]:
    """The rows of an expansion, never more than the response's budget allows: the statement is cut one row
    past the limit (the same text every time, so that it stays prepared), so a navigation with millions of
    rows costs what the limit costs."""
    rows = await ex.fetch(f"{stmt.sql} LIMIT {budget.limit + 1}", stmt.bind(keys=keys))
    budget.take(len(rows), what)
    return rows


async def _expand_one(
    ex: Executor, level: Level, exp: Expansion, rows: Sequence[Row], items: list[Item], budget: RowBudget
) -> None:
    """A to-one navigation: the targets of every parent's foreign key, in one statement."""
    nav = exp.item.navigation
    child = exp.level
    fk = level.index[nav.fk]
    fks = sorted({row[fk] for row in rows if row[fk] not in (None, 0)})
    found: dict[Any, Item] = {}
    if fks:
        child_rows = await _fetch(ex, child.stmt, fks, budget, f"{level.entity.__entity_set__}/{nav.name}")
        rendered = await render(ex, child, child_rows, budget)
        key = child.index[child.entity.key.name]
        found = {r[key]: item for r, item in zip(child_rows, rendered, strict=True)}
    for row, item in zip(rows, items, strict=True):
        item[nav.name] = found.get(row[fk])


async def _expand_many(
    ex: Executor, level: Level, exp: Expansion, rows: Sequence[Row], items: list[Item], budget: RowBudget
) -> None:
    """A collection navigation: the children of every parent in one statement, grouped by parent."""
    nav = exp.item.navigation
    child = exp.level
    key = level.index[level.entity.key.name]
    keys = [row[key] for row in rows]
    groups: dict[Any, list[Item]] = {k: [] for k in keys}
    counts: dict[Any, int] = {}
    if keys:
        child_rows = await _fetch(ex, child.stmt, keys, budget, f"{level.entity.__entity_set__}/{nav.name}")
        rendered = await render(ex, child, child_rows, budget)
        fk = child.index[nav.fk]
        for r, item in zip(child_rows, rendered, strict=True):
            groups[r[fk]].append(item)
        if exp.count is not None:
            counts = {r[0]: r[1] for r in await ex.fetch(exp.count.sql, exp.count.bind(keys=keys))}
    for row, item in zip(rows, items, strict=True):
        k = row[key]
        if exp.count is not None:
            item[f"{nav.name}@odata.count"] = counts.get(k, 0)
        item[nav.name] = groups.get(k, [])
