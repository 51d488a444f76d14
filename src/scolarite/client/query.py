"""A small OData query builder: ``$filter``, ``$select``, ``$expand``, ``$orderby``, ``$top``, ``$skip``, ``$count``.

Literals are always rendered by :func:`literal`, so callers never format a filter by
hand: a string is quoted with its single quotes doubled (``O'Brien`` → ``'O''Brien'``),
``None`` is ``null``, booleans are ``true``/``false``, a :class:`datetime.date` is an
``Edm.Date`` literal and an aware :class:`datetime.datetime` an ``Edm.DateTimeOffset``
one.  Property paths are checked (``Mail/Adresse``), so nothing can be smuggled
through a field name either::

    Query().filter(eq("Mail/Adresse", "o'brien@ecole.fr"), eq("ProgrammeId", 2215158)).select("Id").top(1)
    # {'$filter': "Mail/Adresse eq 'o''brien@ecole.fr' and ProgrammeId eq 2215158", '$select': 'Id', '$top': '1'}
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$")
_ORDER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)(?:\s+(asc|desc))?$", re.IGNORECASE)


def literal(value: Any) -> str:
    """``value`` as an OData URL literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "INF" if value > 0 else "-INF"
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"a date-time literal needs a time zone: {value!r}")
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no OData literal for {type(value).__name__}: {value!r}")


def path(name: str) -> str:
    """A checked property path (``Nom``, ``Mail/Adresse``)."""
    if not isinstance(name, str) or not _PATH.match(name):
        raise ValueError(f"not a property path: {name!r}")
    return name


class Expr:
    """A boolean filter expression; combine with ``&``, ``|`` and ``~``."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __and__(self, other: Expr) -> Expr:
        return and_(self, other)

    def __or__(self, other: Expr) -> Expr:
        return or_(self, other)

    def __invert__(self) -> Expr:
        return not_(self)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expr) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


class Field:
    """A property path, possibly inside a function: ``Field("Nom").lower()`` is ``tolower(Nom)``."""

    __slots__ = ("text",)

    def __init__(self, name: str, _raw: bool = False):
        self.text = name if _raw else path(name)

    def lower(self) -> Field:
        return Field(f"tolower({self.text})", _raw=True)

    def upper(self) -> Field:
        return Field(f"toupper({self.text})", _raw=True)

    def __str__(self) -> str:
        return self.text


FieldLike = str | Field


def _field(f: FieldLike) -> str:
    return f.text if isinstance(f, Field) else path(f)


def tolower(f: FieldLike) -> Field:
    return Field(_field(f), _raw=True).lower()


def toupper(f: FieldLike) -> Field:
    return Field(_field(f), _raw=True).upper()


def _cmp(op: str) -> Callable[[FieldLike, Any], Expr]:
    def make(field: FieldLike, value: Any) -> Expr:
        return Expr(f"{_field(field)} {op} {literal(value)}")

    make.__name__ = op
    make.__doc__ = f"``field {op} value`` with ``value`` rendered as a literal."
    return make


eq = _cmp("eq")
ne = _cmp("ne")
gt = _cmp("gt")
ge = _cmp("ge")
lt = _cmp("lt")
le = _cmp("le")


def startswith(field: FieldLike, value: str) -> Expr:
    return Expr(f"startswith({_field(field)}, {literal(value)})")


def endswith(field: FieldLike, value: str) -> Expr:
    return Expr(f"endswith({_field(field)}, {literal(value)})")


def contains(field: FieldLike, value: str) -> Expr:
    return Expr(f"contains({_field(field)}, {literal(value)})")


def _parts(exprs: Iterable[Expr | str]) -> list[str]:
    out = []
    for e in exprs:
        if isinstance(e, Expr):
            out.append(e.text)
        else:
            raise TypeError(f"a filter must be built with the helpers (eq, and_…), not {type(e).__name__}: {e!r}")
    return out


def and_(*exprs: Expr) -> Expr:
    parts = _parts(exprs)
    if not parts:
        raise ValueError("and_() needs at least one expression")
    return Expr(parts[0] if len(parts) == 1 else " and ".join(f"({p})" for p in parts))


def or_(*exprs: Expr) -> Expr:
    parts = _parts(exprs)
    if not parts:
        raise ValueError("or_() needs at least one expression")
    return Expr(parts[0] if len(parts) == 1 else "(" + " or ".join(f"({p})" for p in parts) + ")")


def not_(expr: Expr) -> Expr:
    return Expr(f"not ({_parts([expr])[0]})")


def in_(field: FieldLike, values: Iterable[Any]) -> Expr:
    """``field`` equal to one of ``values``, written with ``or`` (OData 4.0 has no ``in``)."""
    values = list(values)
    if not values:
        return Expr("false")
    name = _field(field)
    if len(values) == 1:
        return Expr(f"{name} eq {literal(values[0])}")
    return Expr("(" + " or ".join(f"{name} eq {literal(v)}" for v in values) + ")")


def raw(text: str) -> Expr:
    """An expression written by hand (for what the helpers cannot say). Quote literals yourself with
    :func:`literal`."""
    return Expr(text)


class Query:
    """Immutable query options; each method returns a new query."""

    __slots__ = ("_count", "_expand", "_filters", "_orderby", "_select", "_skip", "_top")

    def __init__(self) -> None:
        self._filters: tuple[str, ...] = ()
        self._select: tuple[str, ...] = ()
        self._expand: tuple[str, ...] = ()
        self._orderby: tuple[str, ...] = ()
        self._top: int | None = None
        self._skip: int | None = None
        self._count: bool | None = None

    def _copy(self, **changes: Any) -> Query:
        q = Query.__new__(Query)
        for slot in Query.__slots__:
            setattr(q, slot, changes.get(slot, getattr(self, slot)))
        return q

    def filter(self, *exprs: Expr) -> Query:
        """Add conditions; all the conditions of a query are joined with ``and``."""
        return self._copy(_filters=self._filters + tuple(_parts(exprs)))

    where = filter

    def select(self, *fields: str) -> Query:
        return self._copy(_select=self._select + tuple(path(f) for f in fields))

    def expand(self, navigation: str, options: Query | None = None) -> Query:
        """Expand a navigation property, with nested options: ``expand("Sequence", Query().select("Nom"))``."""
        item = path(navigation)
        if options is not None:
            inner = ";".join(f"{k}={v}" for k, v in options.params().items())
            if inner:
                item += f"({inner})"
        return self._copy(_expand=(*self._expand, item))

    def orderby(self, *fields: str) -> Query:
        """``orderby("Nom", "Id desc")``."""
        items = []
        for f in fields:
            m = _ORDER.match(f.strip())
            if not m:
                raise ValueError(f"not an ordering: {f!r}")
            items.append(m.group(1) + (f" {m.group(2).lower()}" if m.group(2) else ""))
        return self._copy(_orderby=self._orderby + tuple(items))

    def top(self, n: int) -> Query:
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"$top must be a non-negative integer: {n!r}")
        return self._copy(_top=n)

    def skip(self, n: int) -> Query:
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"$skip must be a non-negative integer: {n!r}")
        return self._copy(_skip=n)

    def count(self, on: bool = True) -> Query:
        return self._copy(_count=on)

    @property
    def filter_text(self) -> str | None:
        if not self._filters:
            return None
        if len(self._filters) == 1:
            return self._filters[0]
        return " and ".join(f"({f})" for f in self._filters)

    def params(self) -> dict[str, str]:
        """The query options, ready for a URL (httpx encodes them)."""
        out: dict[str, str] = {}
        filter_text = self.filter_text
        if filter_text is not None:
            out["$filter"] = filter_text
        if self._select:
            out["$select"] = ",".join(self._select)
        if self._expand:
            out["$expand"] = ",".join(self._expand)
        if self._orderby:
            out["$orderby"] = ",".join(self._orderby)
        if self._top is not None:
            out["$top"] = str(self._top)
        if self._skip is not None:
            out["$skip"] = str(self._skip)
        if self._count is not None:
            out["$count"] = "true" if self._count else "false"
        return out

    def __repr__(self) -> str:
        return f"Query({self.params()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Query) and other.params() == self.params()


def as_params(query: Query | dict[str, str] | None) -> dict[str, str]:
    if query is None:
        return {}
    if isinstance(query, Query):
        return query.params()
    return dict(query)
