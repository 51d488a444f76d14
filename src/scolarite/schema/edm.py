"""EDM primitive types: how a JSON value is checked on input, stored, and rendered.

Each type answers three questions for the rest of the protocol layer: is this JSON
value acceptable (``parse``), what does the database column look like (``sa_type``),
and how is a stored value written back to JSON (``render``).  Errors are raised as
``EdmValueError`` with a message an integrator can act on; callers add the
property name.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

SqlType = sa.types.TypeEngine[Any]

_INT64 = (-(2**63), 2**63 - 1)
_INT32 = (-(2**31), 2**31 - 1)
_UTC = dt.UTC

# The zone dates are rendered in (R8).  A setting, so schools outside mainland
# France can run the server; ``configure_timezone`` changes it at start-up.
_zone = ZoneInfo("Europe/Paris")


def configure_timezone(name: str) -> None:
    global _zone
    _zone = ZoneInfo(name)
    _rendered.clear()


def current_timezone() -> ZoneInfo:
    return _zone


class EdmValueError(ValueError):
    """A JSON value that does not fit the declared EDM type."""


def _text() -> SqlType:
    # Binary ("C") collation on PostgreSQL so that comparisons and ordering are
    # code-point based and case-sensitive, exactly as on SQLite.
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


class EdmType:
    name = ""
    category = ""  # string, integer, number, boolean, datetime, guid, collection, complex
    type_default: Any = None

    def parse(self, value: Any) -> Any:
        raise NotImplementedError

    def render(self, value: Any) -> Any:
        return value

    def sa_type(self) -> SqlType:
        raise NotImplementedError

    def describe(self) -> str:
        return self.name


class String(EdmType):
    name = "Edm.String"
    category = "string"
    type_default = ""

    def __init__(self, max_length: int | None = None):
        self.max_length = max_length  # in characters; declared as MaxLength in $metadata

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise EdmValueError(f"expected a string, got {_kind(value)}")
        if self.max_length is not None and len(value) > self.max_length:
            raise EdmValueError(
                f"the value is {len(value):,} characters long; at most {self.max_length:,} are "
                "allowed (MaxLength in $metadata)"
            )
        if "\x00" in value:
            raise EdmValueError("a string may not contain the NUL character")
        return value

    def sa_type(self) -> SqlType:
        return _text()


class EnumString(String):
    """An enumeration the GraphV1 docs render by member name (e.g. TypeAuthentification)."""

    def __init__(self, members: tuple[str, ...]):
        super().__init__(max_length=None)
        self.members = members

    def parse(self, value: Any) -> str:
        text = super().parse(value)
        if text not in self.members:
            raise EdmValueError(f"expected one of {', '.join(self.members)}, got {shown(text)}")
        return text


class _Integer(EdmType):
    category = "integer"
    type_default = 0
    bounds = _INT64

    def parse(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise EdmValueError(f"expected an integer, got {_kind(value)}")
        if isinstance(value, float) and not value.is_integer():
            raise EdmValueError(f"expected an integer, got {shown(value)}")
        number = int(value)
        if not self.bounds[0] <= number <= self.bounds[1]:
            raise EdmValueError(f"{number} is out of range for {self.name}")
        return number


class Int64(_Integer):
    name = "Edm.Int64"

    def sa_type(self) -> SqlType:
        return sa.BigInteger()


class Int32(_Integer):
    name = "Edm.Int32"
    bounds = _INT32

    def sa_type(self) -> SqlType:
        return sa.Integer()


class Double(EdmType):
    name = "Edm.Double"
    category = "number"
    type_default = 0.0

    def parse(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise EdmValueError(f"expected a number, got {_kind(value)}")
        number = float(value)
        if not math.isfinite(number):
            raise EdmValueError("expected a finite number")
        return number

    def render(self, value: Any) -> Any:
        return None if value is None else float(value)

    def sa_type(self) -> SqlType:
        return sa.Float()


class Decimal(Double):
    """Rendered as a JSON number, like the documented bodies (0.0, 43.0, 5400.0)."""

    name = "Edm.Decimal"

    def parse(self, value: Any) -> float:
        if isinstance(value, str):  # OData's IEEE754Compatible form
            try:
                value = float(value)
            except ValueError:
                raise EdmValueError(f"expected a decimal number, got {shown(value)}") from None
        return super().parse(value)

    def sa_type(self) -> SqlType:
        return sa.Numeric(20, 6, asdecimal=False)


class Boolean(EdmType):
    name = "Edm.Boolean"
    category = "boolean"
    type_default = False

    def parse(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise EdmValueError(f"expected true or false, got {_kind(value)}")
        return value

    def sa_type(self) -> SqlType:
        return sa.Boolean()


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


def parse_datetime(text: str) -> dt.datetime:
    """ISO 8601 text to a naive UTC datetime (the stored form).

    A value without an offset is read in the configured zone, as a school user
    writing "2023-09-01" means midnight in Paris.
    """
    text = text.strip()
    if _DATE_ONLY.match(text):
        try:
            local = dt.datetime.fromisoformat(text).replace(tzinfo=_zone)
            return _to_utc(local)
        except (ValueError, OverflowError) as exc:
            raise EdmValueError(f"{shown(text)} is not a valid date: {exc}") from None
    m = _DATETIME.match(text)
    if not m:
        raise EdmValueError(f"{shown(text)} is not an ISO 8601 date (e.g. 2023-11-20T12:00:00Z)")
    year, month, day, hour, minute, second, frac, offset = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    if offset is None:
        tz: dt.tzinfo = _zone
    elif offset.upper() == "Z":
        tz = _UTC
    else:
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            raise EdmValueError(f"{shown(text)} has an invalid offset")
        tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    try:
        value = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tz)
        return _to_utc(value)
    except (ValueError, OverflowError) as exc:
        raise EdmValueError(f"{shown(text)} is not a valid date: {exc}") from None


def _to_utc(value: dt.datetime) -> dt.datetime:
    if not 1 < value.year < 9999:  # keep a day of margin for any zone offset on the way back
        raise ValueError("the year must be between 2 and 9998")
    return value.astimezone(_UTC).replace(tzinfo=None)


# Rendered dates by stored value: the same dates come back over and over (a
# school year's start, a séquence's end…), and rendering one costs microseconds.
_rendered: dict[tuple[Any, bool], str] = {}


def render_datetime(value: dt.datetime | None, utc: bool = False) -> str | None:
    if value is None:
        return None
    key = (value, utc)
    text = _rendered.get(key)
    if text is None:
        text = _render_datetime(value, utc)
        if len(_rendered) >= 65536:
            _rendered.clear()
        _rendered[key] = text
    return text


def _render_datetime(value: dt.datetime | str, utc: bool) -> str:
    if isinstance(value, str):  # SQLite may hand back text for computed columns
        value = dt.datetime.fromisoformat(value)
    aware = value.replace(tzinfo=_UTC) if value.tzinfo is None else value
    if utc:
        text = aware.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return text + f".{aware.microsecond:06d}0Z"
    local = aware.astimezone(_zone)
    # isoformat is several times faster than strftime: "2024-09-01T08:00:00[.ffffff]+02:00"
    text = local.isoformat()
    if local.microsecond:
        stamp, offset = text[:26], text[26:]
        return stamp.rstrip("0") + offset[:6]
    return text[:25]


class DateTimeOffset(EdmType):
    name = "Edm.DateTimeOffset"
    category = "datetime"

    def __init__(self, utc: bool = False):
        self.utc = utc

    def parse(self, value: Any) -> dt.datetime:
        if not isinstance(value, str):
            raise EdmValueError(f"expected an ISO 8601 date string, got {_kind(value)}")
        return parse_datetime(value)

    def render(self, value: Any) -> Any:
        return render_datetime(value, self.utc)

    def sa_type(self) -> SqlType:
        return sa.DateTime()


class Guid(EdmType):
    name = "Edm.Guid"
    category = "guid"

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise EdmValueError(f"expected a GUID string, got {_kind(value)}")
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise EdmValueError(f"{shown(value)} is not a GUID") from None

    def sa_type(self) -> SqlType:
        return sa.String(36)


class Collection(EdmType):
    """A collection of primitives, stored as JSON (e.g. ``Collection(Edm.Int64)``)."""

    category = "collection"

    def __init__(self, item: EdmType):
        self.item = item
        self.name = f"Collection({item.name})"

    @property
    def type_default(self) -> list[Any]:  # a fresh list each time
        return []

    def parse(self, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise EdmValueError(f"expected a JSON array, got {_kind(value)}")
        out = []
        for i, item in enumerate(value):
            try:
                out.append(self.item.parse(item))
            except EdmValueError as exc:
                raise EdmValueError(f"item {i}: {exc}") from None
        return out

    def sa_type(self) -> SqlType:
        return sa.JSON()


class Complex(EdmType):
    """A complex value (or a collection of them), stored as JSON.

    ``fields`` maps member names to EDM types, in rendering order.
    """

    category = "complex"

    def __init__(self, type_name: str, fields: dict[str, EdmType], many: bool = False):
        self.type_name = type_name
        self.fields = fields
        self.many = many
        self.name = f"Collection({type_name})" if many else type_name

    @property
    def type_default(self) -> list[Any] | None:
        return [] if self.many else None

    def _one(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise EdmValueError(f"expected a JSON object, got {_kind(value)}")
        unknown = [k for k in value if k not in self.fields and not k.startswith("@")]
        if unknown:
            raise EdmValueError(f"{self.type_name} has no member {shown(unknown[0])}")
        out = {}
        for name, typ in self.fields.items():
            if name in value and value[name] is not None:
                try:
                    out[name] = typ.parse(value[name])
                except EdmValueError as exc:
                    raise EdmValueError(f"member {name}: {exc}") from None
            else:
                out[name] = None if isinstance(typ, DateTimeOffset) else typ.type_default
        return out

    def parse(self, value: Any) -> Any:
        if not self.many:
            return self._one(value)
        if not isinstance(value, list):
            raise EdmValueError(f"expected a JSON array, got {_kind(value)}")
        return [self._one(v) for v in value]

    def sa_type(self) -> SqlType:
        return sa.JSON()


def shown(value: Any, limit: int = 60) -> str:
    """A client's value as an error message quotes it: cut, so that a 10 MB value makes a short message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "…" + text[-1]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def result_processor(sa_type: SqlType, dialect: sa.engine.Dialect) -> Callable[[Any], Any] | None:
    """The driver value → Python value conversion of a column type (None: none needed)."""
    impl = sa_type.dialect_impl(dialect)
    # asyncpg's numeric processor wants the column's type oid (1700: numeric).
    coltype = 1700 if isinstance(impl, sa.Numeric) and not isinstance(impl, sa.Float) else None
    try:
        return impl.result_processor(dialect, coltype)
    except TypeError:
        return None
