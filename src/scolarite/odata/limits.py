"""What one request may ask of the server, and the words of a refusal.

A 139-byte URL could once make a worker build a 1.6 GB response (``$expand=*``
ten levels deep), and a long ``$filter`` overflowed Python's stack.  Every such
dimension has a limit here; each is checked before any SQL runs (or, for what only
the data tells, as rows are read), and a refusal is a 400 that names the limit and
the setting that changes it.  The defaults allow every documented query, the
importer's batched look-ups and generic clients' usual requests (ASP.NET Core
OData's defaults are tighter: MaxExpansionDepth 2, MaxNodeCount 100).

Limits are plain values: the composition root (``api/app.py``) builds them from the
settings; each setting is named ``SCOLARITE_`` + the field name in upper case.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from odata_query import ast as o

from .errors import BadRequest


@dataclass(frozen=True)
class Limits:
    max_query_bytes: int = 16_384  # the query string, URL-encoded
    max_filter_nodes: int = 1_000  # $filter and $orderby expressions of a request, together (terms, operators)
    max_filter_depth: int = 40  # nested operators ('a or b or c' is one level)
    max_lambda_depth: int = 2  # any()/all() inside any()/all()
    max_expand_depth: int = 3  # $expand levels
    max_expand_navigations: int = 30  # navigations expanded by a request, every level ('*' counts each)
    max_expanded_entities: int = 10_000  # entities read by the expansions of one response
    max_response_bytes: int = 64 * 1024 * 1024  # the encoded body of one response
    max_body_items: int = 100_000  # JSON values, arrays and objects of a request body (about: commas count)

    @classmethod
    def from_settings(cls, read: Callable[[str], Any]) -> Limits:
        """From ``read(setting_name)`` (a string or None), e.g. ``os.environ.get``; unset or invalid values keep
        the defaults."""
        values: dict[str, int] = {}
        for f in dataclasses.fields(cls):
            raw = read(setting(f.name))
            if raw is not None and str(raw).strip().isdigit() and int(raw) > 0:
                values[f.name] = int(raw)
        return cls(**values)


DEFAULT_LIMITS = Limits()


def setting(name: str) -> str:
    return f"SCOLARITE_{name.upper()}"


def exceeded(name: str, what: str, limit: int, target: str | None = None) -> BadRequest:
    """The 400 of a request beyond a limit: ``what`` says what the request asks."""
    return BadRequest(
        f"{what}; the limit is {limit:,} (setting {setting(name)})", target=target, code="QueryLimitExceeded"
    )


class Budget:
    """The limits of one request and what it has used of them so far."""

    __slots__ = ("limits", "navigations", "nodes")

    def __init__(self, limits: Limits = DEFAULT_LIMITS):
        self.limits = limits
        self.nodes = 0
        self.navigations = 0

    def expression(self, node: o._Node, option: str) -> None:
        """Count an expression's nodes against the request's budget and check its nesting, without recursion
        (an expression may be deeper than Python's stack)."""
        limits = self.limits
        stack: list[tuple[o._Node, int, int]] = [(node, 1, 0)]
        while stack:
            current, depth, lambdas = stack.pop()
            self.nodes += 1
            if self.nodes > limits.max_filter_nodes:
                raise exceeded(
                    "max_filter_nodes",
                    f"the expressions of this request ({option}…) have more than "
                    f"{limits.max_filter_nodes:,} terms and operators",
                    limits.max_filter_nodes,
                    option,
                )
            if depth > limits.max_filter_depth:
                raise exceeded(
                    "max_filter_depth",
                    f"{option} nests operators more than {limits.max_filter_depth} levels deep",
                    limits.max_filter_depth,
                    option,
                )
            if isinstance(current, o.CollectionLambda):
                lambdas += 1
                if lambdas > limits.max_lambda_depth:
                    raise exceeded(
                        "max_lambda_depth",
                        f"{option} nests any()/all() more than {limits.max_lambda_depth} levels deep",
                        limits.max_lambda_depth,
                        option,
                    )
            op = type(current.op) if isinstance(current, o.BoolOp) else None
            for child in _children(current):
                # A chain of the same operator (a or b or c) is compiled flat: it is one level deep.
                stack.append((child, depth if op is not None and _is_bool(child, op) else depth + 1, lambdas))

    def expand(self, depth: int, count: int, target: str) -> None:
        limits = self.limits
        if depth > limits.max_expand_depth:
            raise exceeded("max_expand_depth", f"$expand goes {depth} levels deep", limits.max_expand_depth, target)
        self.navigations += count
        if self.navigations > limits.max_expand_navigations:
            raise exceeded(
                "max_expand_navigations",
                f"this request expands more than {limits.max_expand_navigations} navigations",
                limits.max_expand_navigations,
                target,
            )


def _is_bool(node: o._Node, op: type[o._BoolOpToken]) -> bool:
    return isinstance(node, o.BoolOp) and type(node.op) is op


def _children(node: o._Node) -> Iterator[o._Node]:
    if not dataclasses.is_dataclass(node):
        return
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, o._Node):
            if not isinstance(
                value, (o._BinOpToken, o._Comparator, o._BoolOpToken, o._UnaryOpToken, o._CollectionOperator)
            ):
                yield value
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, o._Node):
                    yield item


class RowBudget:
    """Entities the expansions of one response may still read."""

    __slots__ = ("left", "limit")

    def __init__(self, limit: int):
        self.limit = limit
        self.left = limit

    def take(self, n: int, what: str) -> None:
        self.left -= n
        if self.left < 0:
            raise exceeded(
                "max_expanded_entities",
                f"the expansions of this response ({what}) would hold more "
                f"than {self.limit:,} entities: ask for fewer with $top, $filter or a nested "
                "$top inside $expand",
                self.limit,
                "$expand",
            )
