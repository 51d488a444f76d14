"""The canonical functions of an OData expression (``contains()``, ``year()``, ``round()``…).

A mixin of ``filter.ExpressionCompiler``, kept apart because it is a catalogue
(one small compiler per function) rather than a walk of the expression: the
visitor compiles a call's arguments and hands them to ``call``, which checks the
arity and the kinds of the arguments and builds the function.  What SQLite and
PostgreSQL spell differently (string search, case mapping, date parts, ceiling)
is asked of the hooks at the end, which the compiler of each dialect implements
(``dialects``); the defaults are the SQL both understand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from .errors import BadRequest
from .typed import NUMERIC, Binder, Typed, Uncacheable, article, literal

INT32_LIMIT = 2**31

# name → (accepted numbers of arguments, the kind of each argument)
FUNCTIONS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
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


class FunctionCompiler:
    """The function compilers of ``ExpressionCompiler`` (which sets these attributes)."""

    slots: list[str] | None
    binders: dict[int, Binder]

    def call(self, written: str, args: list[Typed]) -> Typed:
        """The call of the function named ``written`` (in any case) on compiled ``args``."""
        name = written.lower()
        fn = FUNCTIONS.get(name)
        if fn is None:
            raise BadRequest(f"unknown or unsupported function {written}()")
        arity, kinds = fn
        if len(args) not in arity:
            raise BadRequest(f"{name}() takes {' or '.join(map(str, arity))} argument(s), {len(args)} given")
        for arg, kind in zip(args, kinds, strict=False):  # substring() has an optional third argument
            if kind == "string" and arg.category != "string":
                raise BadRequest(f"{name}() expects a string, {arg.label} is {article(arg)}")
            if kind == "number" and arg.category not in NUMERIC:
                raise BadRequest(f"{name}() expects a number, {arg.label} is {article(arg)}")
            if kind == "datetime" and arg.category != "datetime":
                raise BadRequest(f"{name}() expects a date, {arg.label} is {article(arg)}")
        compile_call: Callable[..., Typed] = getattr(self, "_f_" + name)
        return compile_call(*args)

    # -- strings ---------------------------------------------------------------------------

    def _f_contains(self, s: Typed, sub: Typed) -> Typed:
        return Typed(self._find(s.expr, sub.expr) > 0, "boolean", "contains()")

    def _f_startswith(self, s: Typed, prefix: Typed) -> Typed:
        return Typed(self._starts_with(s, prefix), "boolean", "startswith()")

    def _f_endswith(self, s: Typed, suffix: Typed) -> Typed:
        start = sa.func.length(s.expr) - sa.func.length(suffix.expr) + 1
        cond = sa.and_(
            sa.func.length(s.expr) >= sa.func.length(suffix.expr), sa.func.substr(s.expr, start) == suffix.expr
        )
        return Typed(cond, "boolean", "endswith()")

    def _f_length(self, s: Typed) -> Typed:
        return Typed(sa.func.length(s.expr), "integer", "length()")

    def _f_indexof(self, s: Typed, sub: Typed) -> Typed:
        return Typed(self._find(s.expr, sub.expr) - 1, "integer", "indexof()")

    def _f_substring(self, s: Typed, start: Typed, length: Typed | None = None) -> Typed:
        first = self._position(start, "the start of substring()") + 1
        if length is None:
            return Typed(sa.func.substr(s.expr, first), "string", "substring()")
        return Typed(
            sa.func.substr(s.expr, first, self._position(length, "the length of substring()")), "string", "substring()"
        )

    def _position(self, n: Typed, what: str) -> sa.ColumnElement[int]:
        """A character position or count: an integer from 0 to 2³¹-1, as SQL's substr takes it (a literal is
        checked here; a computed one is cast, and one out of range is the database's data error: a 400)."""
        if n.category != "integer":
            raise BadRequest(f"{what} must be an integer, {n.label} is {article(n)}")
        if n.slot is not None:  # a literal bound per request: checked as it is bound
            bind = self.binders[n.slot]
            self.binders[n.slot] = lambda raw: _in_position_range(bind(raw), what)
            return sa.cast(n.expr, sa.Integer())
        if n.literal:
            return sa.literal(_in_position_range(n.value, what), sa.Integer())
        return sa.cast(n.expr, sa.Integer())

    def _f_tolower(self, s: Typed) -> Typed:
        return Typed(self._case_mapped(sa.func.lower, s.expr), "string", "tolower()")

    def _f_toupper(self, s: Typed) -> Typed:
        return Typed(self._case_mapped(sa.func.upper, s.expr), "string", "toupper()")

    def _f_trim(self, s: Typed) -> Typed:
        return Typed(sa.func.trim(s.expr), "string", "trim()")

    def _f_concat(self, a: Typed, b: Typed) -> Typed:
        return Typed(a.expr.op("||")(b.expr), "string", "concat()")

    # -- dates -----------------------------------------------------------------------------

    def _f_year(self, d: Typed) -> Typed:
        return Typed(self._datepart("year", d.expr), "integer", "year()")

    def _f_month(self, d: Typed) -> Typed:
        return Typed(self._datepart("month", d.expr), "integer", "month()")

    def _f_day(self, d: Typed) -> Typed:
        return Typed(self._datepart("day", d.expr), "integer", "day()")

    def _f_hour(self, d: Typed) -> Typed:
        return Typed(self._datepart("hour", d.expr), "integer", "hour()")

    def _f_minute(self, d: Typed) -> Typed:
        return Typed(self._datepart("minute", d.expr), "integer", "minute()")

    def _f_second(self, d: Typed) -> Typed:
        return Typed(self._datepart("second", d.expr), "integer", "second()")

    def _f_now(self) -> Typed:
        if self.slots is not None:
            raise Uncacheable("now() is evaluated per request")
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        return literal(now, "datetime", "now()")

    # -- numbers ---------------------------------------------------------------------------

    def _f_round(self, n: Typed) -> Typed:
        return Typed(sa.func.round(n.expr), "number", "round()")

    def _f_floor(self, n: Typed) -> Typed:
        return Typed(sa.func.floor(n.expr), "number", "floor()")

    def _f_ceiling(self, n: Typed) -> Typed:
        return Typed(self._ceiling(n.expr), "number", "ceiling()")

    # -- what the dialects spell differently -------------------------------------------------

    def _find(self, s: sa.ColumnElement[Any], sub: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
        """The 1-based position of ``sub`` in ``s``, 0 when it is not there."""
        raise NotImplementedError

    def _starts_with(self, s: Typed, prefix: Typed) -> sa.ColumnElement[bool]:
        # Not LIKE: SQLite's is case-insensitive.
        return sa.func.substr(s.expr, 1, sa.func.length(prefix.expr)) == prefix.expr

    def _case_mapped(
        self, fn: Callable[[Any], sa.ColumnElement[Any]], expr: sa.ColumnElement[Any]
    ) -> sa.ColumnElement[Any]:
        """``fn`` (lower or upper) of ``expr``."""
        return fn(expr)

    def _datepart(self, part: str, d: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
        """The year, month… of a UTC timestamp, in the configured zone."""
        raise NotImplementedError

    def _ceiling(self, n: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.func.ceiling(n)


def _in_position_range(value: int, what: str) -> int:
    if not 0 <= value < INT32_LIMIT:
        raise BadRequest(f"{what} is out of range: {value} (it must be between 0 and {INT32_LIMIT - 1:,})")
    return value


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
