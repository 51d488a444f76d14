"""Database errors in the domain's words.

The store's transactions (``Database.read``, ``reads`` and ``write``) raise what a
failed statement means for the request, as the shared exceptions of
``scolarite.errors``:

* a unique violation: :class:`~scolarite.errors.ConflictError` with the message of the
  declared uniqueness it breaks (:class:`~scolarite.errors.ValidationError` when the
  entity declares such a duplicate invalid);
* SQLSTATE class 22 ("data exception": overflow, invalid value…), or a value the
  driver could not send: :class:`~scolarite.errors.ValidationError`;
* SQLSTATE class 53 or 08 (too many connections, a connection that could not be
  made): :class:`~scolarite.errors.UnavailableError` — the server is busy, not the
  request wrong.

Any other error goes on unchanged (SQLAlchemy's, as both execution paths raise it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import exc as sa_exc

from scolarite.errors import ConflictError, DomainError, UnavailableError, ValidationError
from scolarite.schema import Schema

from .tables import unique_index_name

# The lines these errors log have always been the protocol layer's.
log = logging.getLogger("scolarite.odata")

UNKNOWN_UNIQUE = "the change conflicts with existing data (a value that must be unique is already used)"
OVERLOADED = "the database cannot take more work right now; retry shortly"

# SQLSTATE class 22 ("data exception"), in our words: the driver's own messages name its internals.
DATA_EXCEPTIONS = {
    "22003": "a number in this request is out of range (an arithmetic result or a value too large for its type)",
    "22012": "this request divides by zero",
    "22001": "a value of this request is too long",
    "22007": "a date of this request is invalid",
    "22008": "a date of this request is out of range",
    "22P02": "a value of this request has an invalid form",
    "22011": "substring() was given a position or a length out of range",
}
OTHER_DATA_EXCEPTION = "a value of this request is out of range or invalid for the database"


def sqlstates(error: BaseException) -> Iterator[str]:
    """The SQLSTATE codes the driver's error (and what it wraps) carries."""
    orig = getattr(error, "orig", None)
    for candidate in (orig, getattr(orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(state, str):
            yield state


def is_overload(error: BaseException) -> bool:
    """SQLSTATE class 53 ("insufficient resources", e.g. too many connections) or 08
    (the connection could not be made): the server is busy, not the request wrong."""
    return any(state[:2] in ("53", "08") for state in sqlstates(error))


def is_data_exception(error: BaseException) -> bool:
    """SQLSTATE class 22 ("data exception": overflow, invalid value…): the request's own values."""
    return isinstance(error, sa_exc.DataError) or any(state.startswith("22") for state in sqlstates(error))


def data_exception_message(error: BaseException) -> str:
    for state in sqlstates(error):
        if state in DATA_EXCEPTIONS:
            return DATA_EXCEPTIONS[state]
    orig = getattr(error, "orig", None)
    if isinstance(orig, OverflowError) or "too large" in str(orig).lower() or "overflow" in str(orig).lower():
        return DATA_EXCEPTIONS["22003"]
    return OTHER_DATA_EXCEPTION


def first_line(orig: Any) -> str:
    return str(orig).strip().splitlines()[0][:200] if orig is not None else ""


def database_error(error: BaseException) -> sa_exc.DBAPIError | None:
    """The driver's error behind ``error``: itself, or the one a domain error was translated from."""
    if isinstance(error, sa_exc.DBAPIError):
        return error
    if isinstance(error, DomainError) and isinstance(error.__cause__, sa_exc.DBAPIError):
        return error.__cause__
    return None


class _Placeholders(dict[str, str]):
    """What a uniqueness message says of values it does not know (a concurrent duplicate's)."""

    def __missing__(self, key: str) -> str:
        return "this value"


class ErrorTranslator:
    """Translates the database errors of one schema's tables (the uniqueness rules name its messages)."""

    def __init__(self, schema: Schema):
        self.schema = schema

    def unique_violation(self, error_text: str) -> tuple[str, bool] | None:
        """The message of the declared uniqueness a database error is about, if any, and whether the spec calls
        such a duplicate invalid (400) rather than a conflict (409)."""
        # PostgreSQL names the index; SQLite the columns ("UNIQUE constraint failed: T.a, T.b").
        failed = re.search(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)", error_text)
        columns = tuple(failed.group(1).split(", ")) if failed else ()
        for entity in self.schema:
            for names, message in entity.unique_keys():
                if unique_index_name(entity, names) in error_text or columns == tuple(
                    f"{entity.__entity_set__}.{n}" for n in names
                ):
                    key = names[0] if len(names) == 1 else names
                    shown = message.format_map(_Placeholders())
                    return shown, key in entity.__unique_invalid__
        return None

    def translate(self, error: sa_exc.DBAPIError) -> DomainError | None:
        """What ``error`` means for the request, or None: an error of the server, not of the request."""
        if isinstance(error, sa_exc.IntegrityError):
            log.info("integrity error: %s", first_line(error.orig))
            found = self.unique_violation(str(error.orig))
            if found is None:
                return ConflictError(UNKNOWN_UNIQUE)
            message, invalid = found
            return ValidationError(message) if invalid else ConflictError(message)
        if is_overload(error):
            log.warning("database unavailable: %s", first_line(error.orig))
            return UnavailableError(OVERLOADED, retry_after=1)
        if not is_data_exception(error):
            return None
        log.info("data exception: %s", first_line(error.orig))
        return ValidationError(data_exception_message(error))

    def raise_translated(self, error: sa_exc.DBAPIError) -> None:
        """Raise the domain error ``error`` means, if any (from ``error``); return otherwise, for the caller to
        re-raise ``error`` itself (``except DBAPIError as exc: translator.raise_translated(exc); raise``)."""
        translated = self.translate(error)
        if translated is not None:
            raise translated from error
