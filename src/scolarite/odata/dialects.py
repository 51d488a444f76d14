"""One expression compiler per SQL dialect, as odata-query has one visitor per dialect.

The visitor (``filter.ExpressionCompiler``) and the function compilers
(``functions``) are common to both databases; what SQLite and PostgreSQL spell
differently is here, so that neither branches on the dialect.  SQLite gets the
functions the store registers on each of its connections (``odata_datepart``,
``odata_ceiling``, Python's ``lower``/``upper``: see ``store.db``).  Any dialect
but PostgreSQL is compiled as SQLite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from scolarite.schema import edm

from .filter import ExpressionCompiler
from .functions import like_escape
from .ports import Storage
from .typed import Typed
from .uri import string_literal


class SqliteCompiler(ExpressionCompiler):
    dialect = "sqlite"

    def _find(self, s: sa.ColumnElement[Any], sub: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
        return sa.func.instr(s, sub)

    def _datepart(self, part: str, d: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
        return sa.func.odata_datepart(part, d, str(edm.current_timezone()))

    def _ceiling(self, n: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.func.odata_ceiling(n)


class PostgresCompiler(ExpressionCompiler):
    dialect = "postgresql"

    def _find(self, s: sa.ColumnElement[Any], sub: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
        return sa.func.strpos(s, sub)

    def _starts_with(self, s: Typed, prefix: Typed) -> sa.ColumnElement[bool]:
        """LIKE, which an index on the column serves; the pattern characters of the prefix are escaped."""
        if prefix.slot is not None:
            self.binders[prefix.slot] = lambda raw: like_escape(string_literal(raw)) + "%"
            return s.expr.like(prefix.expr, escape="\\")
        if prefix.literal:
            return s.expr.like(like_escape(prefix.value) + "%", escape="\\")
        return super()._starts_with(s, prefix)

    def _case_mapped(
        self, fn: Callable[[Any], sa.ColumnElement[Any]], expr: sa.ColumnElement[Any]
    ) -> sa.ColumnElement[Any]:
        # Columns compare in binary ("C") collation on PostgreSQL, whose case mapping
        # is ASCII-only; case-map under ICU's root locale instead, and compare the
        # result in binary collation again.
        return sa.collate(fn(sa.collate(expr, "und-x-icu")), "C")

    def _datepart(self, part: str, d: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
        zone = str(edm.current_timezone())
        local = sa.func.timezone(zone, sa.func.timezone("UTC", d))
        return sa.cast(sa.func.floor(sa.extract(part, local)), sa.Integer)


COMPILERS: dict[str, type[ExpressionCompiler]] = {"postgresql": PostgresCompiler, "sqlite": SqliteCompiler}


def compiler_for(storage: Storage, dialect: str, slots: list[str] | None = None) -> ExpressionCompiler:
    """The expression compiler of one query on ``dialect`` (a SQLAlchemy dialect name)."""
    return COMPILERS.get(dialect, SqliteCompiler)(storage, slots)
