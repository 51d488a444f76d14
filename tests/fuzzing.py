"""Hypothesis strategies for whole GraphV1 requests, and the check every answer must pass.

Requests are built from the model itself (entity sets, properties, navigations,
actions) so that a good share gets past the first checks and reaches the
compiler, the rules and the database; the rest is hostile: huge and negative
numbers, unbalanced quotes and parentheses, deep nesting, unknown options,
bodies of the wrong shape, odd headers.  Used by ``tests/test_fuzz.py`` (a short,
seeded run in CI) and ``bench/fuzz.py`` (the long run against a server).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from hypothesis import strategies as st

from scolarite.model import schema

SETS = sorted(e.__entity_set__ for e in schema)
PROPERTIES = sorted({n for e in schema for n in e.properties})
NAVIGATIONS = sorted({n for e in schema for n in e.navigations})
ACTIONS = ["SynchronisationAffaire", "Client", "Authorizations", "AddAuthorizations", "ApplyTemplate"]
FUNCTIONS = [
    "contains",
    "startswith",
    "endswith",
    "length",
    "indexof",
    "substring",
    "tolower",
    "toupper",
    "trim",
    "concat",
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "now",
    "round",
    "floor",
    "ceiling",
    "nope",
    "cast",
    "isof",
]
KNOWN_IDS = [0, 1, 1541, 2215168, 2215158, 3280316]
# What an answer must never show: a stack trace, a driver's or the parser's own words.
INTERNALS = (
    "Traceback",
    "sqlalchemy",
    "asyncpg",
    "psycopg",
    "sqlite3.",
    "[SQL:",
    "(Background on this error",
    "Identifier(",
    "namespace=",
    "Token(",
    "RecursionError",
    "KeyError",
    "AttributeError",
    "TypeError",
)

BIG_INTS = st.sampled_from([2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, 10**30, -(2**31) - 1, -(2**63) - 1])
INTS = st.one_of(st.integers(-3, 10), st.sampled_from(KNOWN_IDS), BIG_INTS)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
ODD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "'",
        "''",
        "(",
        ")",
        "%",
        "%00",
        "\\",
        "é",
        "’",
        "\u202e",
        "\x00",
        "$",
        "/",
        "null",
        "NaN",
        "1e309",
        "--",
        ";",
        "*",
        "@",
        "#",
        "?",
        "&",
        "=",
        "+",
    ]
)


@dataclass
class Request:
    method: str
    path: str
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def url(self) -> str:
        query = "&".join(f"{quote(k, safe='$')}={quote(v, safe='')}" for k, v in self.params)
        return self.path + (f"?{query}" if query else "")

    def __str__(self) -> str:
        return f"{self.method} /{self.url()} {self.body[:200]!r}" if self.body else f"{self.method} /{self.url()}"


# -- expressions ------------------------------------------------------------------------------------


def _literal() -> st.SearchStrategy[str]:
    return st.one_of(
        INTS.map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        TEXT.map(lambda t: "'" + t.replace("'", "''") + "'"),
        ODD_TEXT.map(lambda t: f"'{t}'"),
        st.sampled_from(
            [
                "null",
                "true",
                "false",
                "2023-11-20",
                "2023-11-20T00:00:00Z",
                "2023-13-45",
                "9999-12-31T23:59:59+14:00",
                "01234567-89ab-cdef-0123-456789abcdef",
                "duration'P1D'",
                "1540L",
                "12.5M",
                "-0",
                "INF",
            ]
        ),
    )


def _member() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(PROPERTIES),
        st.tuples(st.sampled_from(NAVIGATIONS), st.sampled_from(PROPERTIES)).map("/".join),
        st.sampled_from(["$it", "Mail/Adresse", "Sequence/TypeSequence/Code", "Password", "x/Id"]),
    )


def expressions() -> st.SearchStrategy[str]:
    leaves = st.one_of(_member(), _literal())

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge", "has", "in"]), inner).map(" ".join),
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
            st.tuples(inner, st.sampled_from(["add", "sub", "mul", "div", "mod"]), inner).map(" ".join),
            inner.map(lambda e: f"not {e}"),
            inner.map(lambda e: f"({e})"),
            inner.map(lambda e: f"-{e}"),
            st.tuples(st.sampled_from(FUNCTIONS), st.lists(inner, max_size=3)).map(
                lambda t: f"{t[0]}({','.join(t[1])})"
            ),
            st.tuples(st.sampled_from(NAVIGATIONS), st.sampled_from(["any", "all"]), inner).map(
                lambda t: f"{t[0]}/{t[1]}(x: {t[2]})"
            ),
            st.lists(_literal(), max_size=4).map(lambda items: f"Id in ({','.join(items)})"),
        )

    return st.one_of(
        st.recursive(leaves, extend, max_leaves=12),
        st.sampled_from(
            [
                " or ".join(["Id eq 1"] * 400),
                "not " * 300 + "true",
                "(" * 200 + "true",
                "Id" + " add 1" * 300 + " eq 1",
                "substring(Nom,2147483648) eq 'x'",
            ]
        ),
    )


def _expand(depth: int = 0) -> st.SearchStrategy[str]:
    item = st.sampled_from([*NAVIGATIONS, "*", "Nope", "Mail/Adresse"])
    if depth >= 2:
        return item
    nested = st.tuples(
        item,
        st.lists(
            st.one_of(
                expressions().map(lambda e: f"$filter={e}"),
                st.sampled_from(
                    [
                        "$select=Id",
                        "$top=1",
                        "$skip=2",
                        "$count=true",
                        "$orderby=Id desc",
                        "$levels=2",
                        "$top=-1",
                        "$format=json",
                        "x=y",
                    ]
                ),
                _expand(depth + 1).map(lambda e: f"$expand={e}"),
            ),
            max_size=3,
        ),
    ).map(lambda t: f"{t[0]}({';'.join(t[1])})")
    return st.lists(st.one_of(item, nested), min_size=1, max_size=3).map(",".join)


def _option() -> st.SearchStrategy[tuple[str, str]]:
    return st.one_of(
        expressions().map(lambda e: ("$filter", e)),
        expressions().map(lambda e: ("filter", e)),
        st.lists(st.sampled_from(PROPERTIES + NAVIGATIONS + ["*", "Nope", "GraphV1.x"]), max_size=4).map(
            lambda items: ("$select", ",".join(items))
        ),
        _expand().map(lambda e: ("$expand", e)),
        st.tuples(expressions(), st.sampled_from(["", " asc", " desc", " up"])).map(
            lambda t: ("$orderby", t[0] + t[1])
        ),
        st.tuples(st.sampled_from(["$top", "$skip", "top", "$TOP"]), st.one_of(INTS.map(str), ODD_TEXT, TEXT)),
        st.tuples(st.just("$count"), st.sampled_from(["true", "false", "TRUE", "1", ""])),
        st.tuples(st.just("$format"), st.sampled_from(["json", "xml", "atom", "application/json;odata.metadata=full"])),
        st.tuples(
            st.sampled_from(
                [
                    "$search",
                    "$apply",
                    "$compute",
                    "$levels",
                    "$skiptoken",
                    "$deltatoken",
                    "$foo",
                    "$",
                    "InscriptionId",
                    "$id",
                ]
            ),
            TEXT,
        ),
        st.tuples(TEXT, TEXT),
    )


# -- paths, bodies, headers -------------------------------------------------------------------------


def _key() -> st.SearchStrategy[str]:
    return st.one_of(INTS.map(str), ODD_TEXT, TEXT, st.sampled_from(["Id=1541", "'x'", "1,2", "1541L", "(1)"]))


def paths() -> st.SearchStrategy[str]:
    suffix = st.one_of(
        st.just(""),
        st.just("/$count"),
        st.sampled_from(NAVIGATIONS).map(lambda n: "/" + n),
        st.sampled_from(PROPERTIES).map(lambda p: "/" + p),
        st.sampled_from(PROPERTIES).map(lambda p: f"/{p}/$value"),
        st.sampled_from(ACTIONS).map(lambda a: "/" + a),
        TEXT.map(lambda t: "/" + quote(t)),
    )
    keyed = st.tuples(st.sampled_from(SETS), _key(), st.booleans(), suffix).map(
        lambda t: f"{t[0]}({quote(t[1], safe='=')}){t[3]}" if t[2] else f"{t[0]}/{quote(t[1], safe='')}{t[3]}"
    )
    return st.one_of(
        st.sampled_from(["", "$metadata", "$batch", "$count", "$entity", "Nope", "Civilite/"]),
        st.sampled_from(SETS),
        st.sampled_from(SETS).map(lambda s: s + "/$count"),
        keyed,
        TEXT.map(quote),
    )


def _value() -> st.SearchStrategy[Any]:
    scalar = st.one_of(
        st.none(),
        st.booleans(),
        INTS,
        st.floats(allow_nan=False, allow_infinity=False),
        TEXT,
        ODD_TEXT,
        st.sampled_from(["2023-11-20T00:00:00+01:00", "x" * 300, "é" * 5000, "01234567-89ab-cdef-0123-456789abcdef"]),
    )
    return st.one_of(scalar, st.lists(scalar, max_size=3), st.dictionaries(TEXT, scalar, max_size=2))


def bodies() -> st.SearchStrategy[bytes | None]:
    names = st.one_of(
        st.sampled_from(PROPERTIES),
        st.sampled_from(NAVIGATIONS),
        TEXT,
        st.sampled_from(["@odata.type", "Civilite@odata.bind", "Id", ""]),
    )
    obj = st.dictionaries(names, _value(), max_size=8).map(lambda d: json.dumps(d).encode())
    return st.one_of(
        st.none(),
        obj,
        obj,
        obj,
        st.sampled_from(
            [
                b"",
                b"{",
                b"[]",
                b"null",
                b"1",
                b'"x"',
                b"{'a': 1}",
                b"\xff\xfe",
                b"{}" * 3,
                b'{"Id": 1e999}',
                b'{"a":' * 50 + b"1" + b"}" * 50,
            ]
        ),
        st.binary(max_size=40),
    )


def headers() -> st.SearchStrategy[dict[str, str]]:
    values = st.sampled_from(
        [
            "return=minimal",
            "return=representation",
            "odata.maxpagesize=2",
            "respond-async",
            "application/json",
            "application/xml",
            "text/plain",
            "*/*",
            'W/"1"',
            "*",
            "",
            "application/json;odata.metadata=none",
            "multipart/mixed; boundary=x",
        ]
    )
    return st.dictionaries(
        st.sampled_from(
            [
                "Prefer",
                "Content-Type",
                "Accept",
                "If-Match",
                "If-None-Match",
                "OData-MaxVersion",
                "X-HTTP-Method",
                "Content-Encoding",
            ]
        ),
        values,
        max_size=3,
    )


def _documented_writes() -> list[tuple[str, str, dict]]:
    """The documented bodies of creations and updates (the spec's examples): mutated, they get past the first
    checks and reach the rules and the database."""
    found = []
    for file in sorted((Path(__file__).parent / "fixtures" / "examples").glob("*.json")):
        for example in json.loads(file.read_text())["examples"]:
            method, _, target = example["request"].partition(" ")
            body = example.get("request_body")
            if method in ("POST", "PUT", "PATCH") and isinstance(body, dict):
                found.append((method, unquote(target.lstrip("/").split("?")[0]), body))
    return found


DOCUMENTED_WRITES = _documented_writes()


def documented_writes() -> st.SearchStrategy[Request]:
    def build(t) -> Request:
        (method, path, body), changes, dropped = t
        mutated = {k: v for k, v in body.items() if k not in dropped}
        mutated.update(changes)
        return Request(method, path, [], {}, json.dumps(mutated).encode())

    example = st.sampled_from(DOCUMENTED_WRITES)
    changes = st.dictionaries(st.sampled_from(PROPERTIES), _value(), max_size=3)
    dropped = st.sets(st.sampled_from(PROPERTIES), max_size=3)
    return st.tuples(example, changes, dropped).map(build)


def requests() -> st.SearchStrategy[Request]:
    anything = st.builds(
        Request,
        method=st.sampled_from(
            ["GET", "GET", "GET", "POST", "POST", "PUT", "PATCH", "DELETE", "MERGE", "HEAD", "OPTIONS", "TRACE"]
        ),
        path=paths(),
        params=st.lists(_option(), max_size=4),
        headers=headers(),
        body=bodies(),
    )
    queries = st.builds(
        Request,
        method=st.just("GET"),
        path=st.sampled_from(SETS),
        params=st.lists(_option(), min_size=1, max_size=4),
        headers=st.just({}),
        body=st.none(),
    )
    return st.one_of(anything, anything, queries, documented_writes())


def problem(status: int, content_type: str, text: str, method: str) -> str | None:
    """What is wrong with an answer, or None: never a 5xx; a 4xx is an OData error in our words."""
    if status >= 500:
        return f"status {status}"
    if status >= 400 and method != "HEAD":
        try:
            error = json.loads(text)["error"]
            if not (isinstance(error.get("code"), str) and isinstance(error.get("message"), str)):
                return "an error body without code and message"
        except (ValueError, KeyError, TypeError):
            return f"a {status} that is not an OData error body"
        for marker in INTERNALS:
            if marker in error["message"]:
                return f"an internal detail in the message ({marker})"
    return None
