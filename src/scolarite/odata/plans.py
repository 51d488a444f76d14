"""What a planned read is made of: compiled statements and the levels that render their rows.

The planner (``query.Reader``) builds these once per query shape; running a read
(``query``, and ``expand`` for the expanded navigations) only binds statements and
calls the row renderers generated here.  They are plain data, shared by both, with
nothing of a request in them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import orjson

from scolarite.schema import Entity, Property

from .uri import ExpandItem

Row: TypeAlias = Sequence[Any]  # a row as the driver returns it
Item: TypeAlias = dict[str, Any]  # an entity as a JSON object
Converter: TypeAlias = Callable[[Any], Any]
# (property, column index, converter), or (property, None, the value it always has) for a write-only property
RenderItem: TypeAlias = tuple[str, int | None, Any]
# (index of its key column, render spec): a to-one expansion joined into its parent's statement
Joined: TypeAlias = tuple[int, list[RenderItem]]

# Where a positional parameter of a statement comes from:
# (FIXED, value, None) / (SLOT, index, processor) / (KEY, None, processor) / (KEYS, None, processor)
FIXED, SLOT, KEY, KEYS = range(4)
Param: TypeAlias = tuple[int, Any, Converter | None]


@dataclass
class Page:
    items: list[Item]
    count: int | None
    next_skip: int | None  # where the next page starts, when the result was cut


@dataclass
class Statement:
    """Compiled SQL and where each of its positional parameters comes from."""

    sql: str
    params: list[Param]
    keys_as_json: bool = False  # SQLite has no arrays: a key list is bound as JSON text

    def bind(self, slots: Sequence[Any] = (), key: Any = None, keys: list[Any] | None = None) -> tuple[Any, ...]:
        out: list[Any] = []
        for kind, arg, proc in self.params:
            if kind == FIXED:
                out.append(arg)
                continue
            if kind == SLOT:
                value = slots[arg]
            elif kind == KEY:
                value = key
            else:
                value = orjson.dumps(keys).decode() if self.keys_as_json else keys
            out.append(proc(value) if proc is not None and value is not None else value)
        return tuple(out)


@dataclass
class Level:
    """One SELECT of a read and how its rows become JSON objects."""

    entity: type[Entity]
    stmt: Statement
    render: list[RenderItem]
    index: dict[str, int]  # column name → index in a row
    expand: list[Expansion] = field(default_factory=list)
    # Expanded navigations in $expand order: (name, None) when filled by a later
    # statement, (name, (key index, render spec)) when joined into this one.
    navs: list[tuple[str, Joined | None]] = field(default_factory=list)
    to_dict: Callable[[Row], Item] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.to_dict = row_renderer(self.render, self.navs)


@dataclass
class Expansion:
    item: ExpandItem
    level: Level
    count: Statement | None = None


@dataclass
class ReadPlan:
    main: Level
    count: Statement | None = None
    top: int | None = None  # of the shape: a plan with slots gets top/skip at run time
    skip: int = 0


def row_renderer(render: list[RenderItem], navs: Sequence[tuple[str, Joined | None]] = ()) -> Callable[[Row], Item]:
    """A function turning a row into its JSON object, generated once per level: one
    dict display with the properties in order (several times faster than a loop).
    Expanded navigations follow; a joined one is rendered from its own columns of
    the row (None when the join found nothing), the others are placeholders that
    their own statement fills in later, in place."""
    namespace: dict[str, Any] = {}

    def display(spec: list[RenderItem]) -> str:
        parts = []
        for name, i, fn in spec:
            if i is None:  # a write-only property: its empty value (fn holds it)
                parts.append(f"{name!r}: {fn!r}")
            elif fn is None:
                parts.append(f"{name!r}: row[{i}]")
            else:
                fname = f"f{len(namespace)}"
                namespace[fname] = fn
                parts.append(f"{name!r}: (None if row[{i}] is None else {fname}(row[{i}]))")
        return ", ".join(parts)

    parts = [display(render)] if render else []
    for name, joined in navs:
        if joined is None:
            parts.append(f"{name!r}: None")
        else:
            key, spec = joined
            parts.append(f"{name!r}: (None if row[{key}] is None else {{{display(spec)}}})")
    source = "def to_dict(row):\n    return {" + ", ".join(parts) + "}\n"
    exec(compile(source, "<row renderer>", "exec"), namespace)
    to_dict: Callable[[Row], Item] = namespace["to_dict"]
    return to_dict


def empty(prop: Property) -> Any:
    """How a write-only property renders: null, or its type's default when it is not nullable."""
    return None if prop.nullable else prop.default
