"""Parsing of system query options (resource paths: ``paths``).

``parse_options`` turns the query string into a ``QueryOptions`` tree (``$expand``
items carry their own nested options).  It only checks syntax and names against
the schema; types are checked when the filter is compiled (``filter``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from odata_query import ast as oast
from odata_query.exceptions import ODataException
from odata_query.grammar import ODataLexer, ODataParser

from scolarite.schema import Entity, Navigation

from .errors import BadRequest
from .limits import DEFAULT_LIMITS, Budget, Limits, exceeded

SYSTEM_OPTIONS = {
    "$filter",
    "$select",
    "$expand",
    "$orderby",
    "$top",
    "$skip",
    "$count",
    "$format",
    "$skiptoken",
}
UNSUPPORTED_OPTIONS = {"$search", "$apply", "$compute", "$levels", "$index", "$schemaversion", "$deltatoken", "$id"}


@dataclass
class ExpandItem:
    navigation: Navigation
    options: QueryOptions


@dataclass
class OrderItem:
    expr: oast._Node
    desc: bool
    text: str


@dataclass
class QueryOptions:
    filter: oast._Node | None = None
    filter_text: str | None = None
    select: list[str] | None = None  # None = every property; names in the order given
    select_all: bool = False
    expand: list[ExpandItem] = field(default_factory=list)
    orderby: list[OrderItem] = field(default_factory=list)
    top: int | None = None
    skip: int = 0
    count: bool = False
    format: str | None = None
    skiptoken: str | None = None
    custom: dict[str, str] = field(default_factory=dict)


_lexer = ODataLexer()
_parser = ODataParser()


def _plain_quotes(text: str) -> str:
    if "'" not in text:
        # A doc slip writes string literals with typographic quotes (Nom eq ’Dupont’);
        # when no ASCII quote is used they can only be delimiters.  Inside a quoted
        # literal (’ in "Voie d’entrée") they are text and stay as they are.
        text = text.replace("\u2019", "'").replace("\u2018", "'")
    return text


def parse_expression(text: str, option: str, budget: Budget | None = None) -> oast._Node:
    """Parse an OData expression with odata-query, turning its errors into 400s worded by us; with a
    ``budget``, count its nodes against the request's limits."""
    if not text.strip():
        raise BadRequest(f"{option} is empty", target=option)
    text = _plain_quotes(text)
    try:
        node: oast._Node = _parser.parse(_lexer.tokenize(text))
    except ODataException as exc:
        raise BadRequest(
            f"{option} is not a valid expression: {_describe_parse_error(exc, text)}", target=option
        ) from None
    except (ValueError, TypeError, IndexError, AttributeError, ArithmeticError):
        raise BadRequest(
            f"{option} is not a valid expression: {_shown(text)} cannot be read as OData", target=option
        ) from None
    if budget is not None:
        budget.expression(node, option)
    return node


def _shown(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _describe_parse_error(exc: ODataException, text: str) -> str:
    """Where the expression stops making sense, in our words (the parser's own messages show its internals)."""
    token = getattr(exc, "token", None)
    index = getattr(token, "index", None)
    if isinstance(index, int):
        shown = (text[index : index + 40].split() or [text[index : index + 1]])[0]
        return f"unexpected {shown[:40]!r} at position {index + 1} of {_shown(text)}"
    return f"the expression {_shown(text)} is incomplete or not OData"


# -- query options -------------------------------------------------------------------


def canonical_option(name: str) -> str:
    """The one spelling of a query option's name that the rest of the protocol compares with.

    OData 4.01 lets system query options be written without their ``$`` and in any
    case (``top``, ``$TOP``): a name that starts with ``$``, and the ``$``-less name of
    an option this service supports (:data:`SYSTEM_OPTIONS`), become ``$`` + lower
    case.  Any other ``$``-less name is a custom option, kept as written
    (``InscriptionId``; ``search`` too: a school's tool may use it).  So a next link
    built from ``?top=3`` carries ``$top`` once, and following it works
    (docs/interpretations.md).
    """
    stripped = name.strip()
    lowered = stripped.lower()
    if lowered.startswith("$"):
        return lowered
    if "$" + lowered in SYSTEM_OPTIONS:
        return "$" + lowered
    return name


def parse_query_string(query: str, limits: Limits = DEFAULT_LIMITS) -> list[tuple[str, str]]:
    """The query's ``(name, value)`` pairs, in order, names canonical (:func:`canonical_option`)."""
    if len(query) > limits.max_query_bytes:
        raise exceeded("max_query_bytes", f"the query string is {len(query):,} bytes long", limits.max_query_bytes)
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("the query string is not valid UTF-8 URL encoding") from None
    return [(canonical_option(k), v) for k, v in pairs]


def parse_options(entity: type[Entity], pairs: list[tuple[str, str]], limits: Limits = DEFAULT_LIMITS) -> QueryOptions:
    """The query options of ``pairs`` (names as :func:`parse_query_string` gives them), within ``limits``."""
    raw: dict[str, str] = {}
    custom: dict[str, str] = {}
    for name, value in pairs:
        canon = canonical_option(name)
        if not canon.startswith("$"):
            custom[name] = value
            continue
        if canon in UNSUPPORTED_OPTIONS:
            raise BadRequest(
                f"the query option {name.strip()} is not supported by this service", target=canon, code="NotSupported"
            )
        if canon not in SYSTEM_OPTIONS:
            raise BadRequest(
                f"unknown system query option {name.strip()!r}; the supported ones are "
                + ", ".join(sorted(SYSTEM_OPTIONS)),
                target=name.strip(),
            )
        if canon in raw:
            raise BadRequest(f"the query option {canon} is given twice", target=canon)
        raw[canon] = value
    opts = _options_from_raw(entity, raw, Budget(limits), depth=0)
    opts.custom = custom
    return opts


def _options_from_raw(entity: type[Entity], raw: dict[str, str], budget: Budget, depth: int) -> QueryOptions:
    """Options of one level: the request's (``depth`` 0) or those nested in an ``$expand`` item."""
    opts = QueryOptions()
    if "$filter" in raw:
        opts.filter_text = raw["$filter"]
        opts.filter = parse_expression(raw["$filter"], "$filter", budget)
    if "$select" in raw:
        opts.select, opts.select_all = _parse_select(entity, raw["$select"])
    if "$expand" in raw:
        opts.expand = _parse_expand(entity, raw["$expand"], budget, depth + 1)
    if "$orderby" in raw:
        opts.orderby = _parse_orderby(raw["$orderby"], budget)
    if "$top" in raw:
        opts.top = _non_negative("$top", raw["$top"])
    if "$skip" in raw:
        opts.skip = _non_negative("$skip", raw["$skip"])
    if "$count" in raw:
        value = raw["$count"].strip().lower()
        if value not in ("true", "false"):
            raise BadRequest(f"$count must be true or false, not {raw['$count']!r}", target="$count")
        opts.count = value == "true"
    if "$format" in raw:
        opts.format = raw["$format"].strip()
    if "$skiptoken" in raw:
        opts.skiptoken = raw["$skiptoken"]
    return opts


def _non_negative(option: str, text: str) -> int:
    text = text.strip()
    if not re.fullmatch(r"\d{1,18}", text):
        raise BadRequest(f"{option} must be a non-negative integer, not {text!r}", target=option)
    return int(text)


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside parentheses and quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    i = 0
    while i < len(text):
        ch = text[i]
        if quoted:
            current.append(ch)
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    current.append("'")
                    i += 1
                else:
                    quoted = False
        elif ch == "'":
            quoted = True
            current.append(ch)
        elif ch == "(":
            depth += 1
            current.append(ch)
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise BadRequest(f"unbalanced parentheses in {text!r}")
            current.append(ch)
        elif ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    if depth or quoted:
        raise BadRequest(f"unbalanced parentheses or quotes in {text!r}")
    parts.append("".join(current))
    return parts


def _parse_select(entity: type[Entity], text: str) -> tuple[list[str], bool]:
    names: list[str] = []
    select_all = False
    for item in split_top_level(text):
        item = item.strip()
        if not item:
            raise BadRequest("$select has an empty item", target="$select")
        if item == "*":
            select_all = True
            continue
        if item.startswith(entity.schema.namespace + "."):
            raise BadRequest("$select of actions or qualified names is not supported", target="$select")
        if "/" in item or "(" in item:
            raise BadRequest(
                f"$select item {item!r}: only property and navigation names can be selected "
                "(use $expand with a nested $select for related entities)",
                target="$select",
            )
        if entity.member(item) is None:
            raise BadRequest(f"{entity.__entity_set__} has no property {item!r} to $select", target=item)
        prop = entity.properties.get(item)
        if prop is not None and prop.secret:
            raise BadRequest(f"{item} is write-only: it cannot be selected (it is always null)", target=item)
        if item not in names:
            names.append(item)
    return names, select_all


def _parse_expand(entity: type[Entity], text: str, budget: Budget, depth: int) -> list[ExpandItem]:
    """The items of an ``$expand`` at ``depth`` (1: the request's own); the limits are checked before a
    nested level is read, so no text can make this recurse further than ``max_expand_depth``."""
    items: list[ExpandItem] = []
    for part in split_top_level(text):
        part = part.strip()
        if not part:
            raise BadRequest("$expand has an empty item", target="$expand")
        nested = ""
        m = re.match(r"^([^()]+?)\s*\((.*)\)$", part, re.S)
        if m:
            part, nested = m.group(1).strip(), m.group(2)
        if part == "*":
            targets = list(entity.navigations.values())
        else:
            if "/" in part:
                raise BadRequest(
                    f"$expand item {part!r}: expand one level per item and nest the next "
                    f"level in parentheses, e.g. {part.split('/')[0]}($expand={part.split('/', 1)[1]})",
                    target="$expand",
                )
            nav = entity.navigations.get(part)
            if nav is None:
                what = "a structural property, not a navigation" if part in entity.properties else "not a navigation"
                raise BadRequest(f"{part!r} is {what} of {entity.__entity_set__}; it cannot be expanded", target=part)
            targets = [nav]
        budget.expand(depth, len(targets), "$expand")
        raw: dict[str, str] = {}
        if nested.strip():
            for opt in split_top_level(nested, ";"):
                name, eq, value = opt.partition("=")
                name = name.strip().lower()
                if not name.startswith("$"):
                    name = "$" + name
                if not eq or name not in SYSTEM_OPTIONS - {"$format", "$skiptoken"}:
                    raise BadRequest(f"invalid option {opt.strip()!r} inside $expand of {part}", target="$expand")
                if name in raw:
                    raise BadRequest(f"{name} is given twice inside $expand of {part}", target="$expand")
                raw[name] = value
        for nav in targets:
            if any(i.navigation is nav for i in items):
                raise BadRequest(f"{nav.name} is expanded twice", target="$expand")
            items.append(ExpandItem(nav, _options_from_raw(nav.target, raw, budget, depth)))
    return items


def _parse_orderby(text: str, budget: Budget | None = None) -> list[OrderItem]:
    items: list[OrderItem] = []
    for part in split_top_level(text):
        part = part.strip()
        if not part:
            raise BadRequest("$orderby has an empty item", target="$orderby")
        desc = False
        m = re.match(r"^(.*?)\s+(asc|desc)$", part, re.I | re.S)
        if m:
            part, desc = m.group(1).strip(), m.group(2).lower() == "desc"
        items.append(OrderItem(parse_expression(part, "$orderby", budget), desc, part))
    return items


def is_literal(node: oast._Node) -> bool:
    return isinstance(node, oast._Literal)


# -- query shapes ----------------------------------------------------------------------

# Literals of a $filter are taken out of it so that requests differing only by their
# values share one parsed and compiled plan.  Each literal becomes a placeholder
# no client text can contain; the compiler binds placeholders as parameters.
SLOT_STRING = "\ue000"
SLOT_INTEGER = 7_340_000_000_000_000_000
_LITERALS = re.compile(r"'(?:[^']|'')*'|(?<![\w.:\-'])\d+(?![\w.:\-'])")
INT32 = 2**31


def filter_shape(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """``Nom eq 'X' and Age gt 3`` → (``Nom eq '\ue0000' and Age gt 7340…001``,
    [("s", "'X'"), ("i", "3")]), or None when the text cannot be shaped safely.

    Only plain strings and unsigned integers are taken out (the literals of the
    documented queries); dates, GUIDs, decimals and typed literals stay in the shape.
    Integers are classed by size ("i" fits 32 bits, "l" needs 64) because the SQL
    type they are bound with depends on it.
    """
    text = _plain_quotes(text)
    if SLOT_STRING in text or str(SLOT_INTEGER)[:8] in text:
        return None
    literals: list[tuple[str, str]] = []

    def slot(match: re.Match[str]) -> str:
        raw: str = match.group(0)
        index = len(literals)
        if raw[0] == "'":
            if match.start() > 0 and (text[match.start() - 1].isalnum() or text[match.start() - 1] == "_"):
                return raw  # a typed literal such as duration'P1D': part of the shape
            literals.append(("s", raw))
            return f"'{SLOT_STRING}{index}'"
        literals.append(("i" if int(raw) < INT32 else "l", raw))
        return str(SLOT_INTEGER + index)

    shaped = _LITERALS.sub(slot, text)
    return shaped, literals


def string_literal(raw: str) -> str:
    """The value of a quoted OData string literal (``'O''Brien'`` → ``O'Brien``)."""
    return raw[1:-1].replace("''", "'")
