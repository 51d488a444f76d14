"""Reads: collections, entities, navigations, properties and counts.

The common reads (a collection, or an entity by key) are planned once per
*shape*: the request without its values (the literals of ``$filter``, ``$top``
and ``$skip``).  A request of a known shape only parses its values, binds them
and runs the plan's SQL; the plans are kept in ``Reads.shapes`` (bounded).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlencode

from scolarite.schema import Entity, Schema

from .errors import BadRequest, NotFound, ODataError
from .filter import Uncacheable
from .limits import Limits
from .messages import TEXT, ODataRequest, ODataResponse, check_format, entity_response, no_content, not_found
from .paths import CollectionPath, CountPath, EntityPath, NavigationPath, PropertyPath
from .payload import parse_json_object
from .ports import CollectionHook, EntityHook, Store
from .query import Reader, ReadPlan
from .serialize import context_url, dumps, select_expand_clause
from .uri import QueryOptions, filter_shape, parse_options

Pairs = list[tuple[str, str]]

_PAGING = {"$top", "$skip"}  # names as uri.parse_query_string gives them


@dataclass
class Shape:
    """A read planned once for every request of the same shape."""

    options: QueryOptions
    plan: ReadPlan
    binders: dict[int, Callable[[str], Any]]


class _Uncacheable:
    """A shape whose plan needs the request's values to compile."""


UNCACHEABLE = _Uncacheable()


def paging(pairs: Pairs, name: str) -> int | None:
    """The value of $top or $skip (the parser has already checked there is one)."""
    for k, v in pairs:
        if k == "$" + name:
            v = v.strip()
            if not re.fullmatch(r"\d{1,18}", v):
                raise BadRequest(f"${name} must be a non-negative integer, not {v!r}", target=f"${name}")
            return int(v)
    return None


def _plain(options: QueryOptions) -> bool:
    return (
        options.filter is None
        and not options.orderby
        and options.top is None
        and not options.skip
        and not options.count
    )


class Reads:
    def __init__(self, schema: Schema, store: Store, reader: Reader, limits: Limits, max_shapes: int = 2048):
        self.schema = schema
        self.store = store
        self.reader = reader
        self.limits = limits
        self.shapes: dict[tuple[Any, ...], Any] = {}
        self.max_shapes = max_shapes

    def options(self, entity: type[Entity], pairs: Pairs) -> QueryOptions:
        options = parse_options(entity, pairs, self.limits)
        check_format(options)
        return options

    # -- planned per shape --------------------------------------------------------------

    async def shaped(self, req: ODataRequest, path: CollectionPath | EntityPath, pairs: Pairs) -> ODataResponse:
        """A GET of a collection or of an entity by key, planned once per shape."""
        entity = path.entity
        collection = isinstance(path, CollectionPath)
        shaped: Pairs = []
        literals: Pairs = []
        paged = False
        for k, v in pairs:
            if k == "$filter" and collection:
                found = filter_shape(v)
                if found is not None:
                    v, literals = found
            elif k in _PAGING:
                v, paged = "0", True
            elif not k.startswith("$"):
                continue  # a custom option (a BI tool's cache buster…): no part of the read
            shaped.append((k, v))
        names = [c for c, _ in literals]
        key = (collection, entity.__entity_set__, tuple(shaped), tuple(names))
        shape = self.shapes.get(key)
        if shape is None:
            shape = self._plan_shape(path, shaped, names)
            if len(self.shapes) >= self.max_shapes:
                self.shapes.clear()
            if shape is not None:
                self.shapes[key] = shape
        if not isinstance(shape, Shape):
            # Planned with the request's own values (the error, if the shape has one, then names them).
            options = self.options(entity, pairs)
            if isinstance(path, EntityPath):
                return await self.entity(req, path, options, "GET")
            return await self.collection(req, path, options, "GET", pairs)
        if isinstance(path, EntityPath):
            return await self.entity(req, path, shape.options, "GET", plan=shape.plan)
        slots = [shape.binders[i](raw) for i, (_, raw) in enumerate(literals)]
        options = shape.options
        if paged:
            options = replace(options, top=paging(pairs, "top"), skip=paging(pairs, "skip") or 0)
        return await self.collection(req, path, options, "GET", pairs, plan=shape.plan, slots=slots)

    def _plan_shape(
        self, path: CollectionPath | EntityPath, shaped: Pairs, slots: list[str]
    ) -> Shape | _Uncacheable | None:
        """The shape's plan; ``UNCACHEABLE`` when it needs a value to compile, None
        when the shape itself is in error."""
        try:
            options = self.options(path.entity, shaped)
            if isinstance(path, EntityPath):
                return Shape(options, self.reader.plan_single(path.entity, options), {})
            plan, binders = self.reader.plan_collection(path.entity, options, slots=slots)
        except Uncacheable:
            return UNCACHEABLE
        except ODataError:
            return None
        if set(binders) != set(range(len(slots))):
            return UNCACHEABLE
        return Shape(options, plan, binders)

    def written_plan(self, entity: type[Entity], options: QueryOptions) -> ReadPlan:
        """How a write answers with the entity it stored (shown even if a visibility
        rule hides it from later reads); kept per entity set and $select/$expand."""
        if options.expand:  # nested options may carry values: not kept
            return self.reader.plan_single(entity, options, domain=False)
        key = ("written", entity.__entity_set__, select_expand_clause(options))
        plan = self.shapes.get(key)
        if plan is None:
            plan = self.shapes[key] = self.reader.plan_single(entity, options, domain=False)
        return plan

    # -- narrowed by the domain -----------------------------------------------------------

    async def hooked(
        self, req: ODataRequest, path: CollectionPath | CountPath, method: str, pairs: Pairs, hook: CollectionHook
    ) -> ODataResponse | None:
        """A collection read (or a POST that is a query) narrowed by a domain hook;
        None when the hook has nothing to do with this request."""
        body = self._body(req)
        if method == "POST":
            if not isinstance(path, CollectionPath) or body is None or hook.post_when is None:
                return None  # an ordinary creation
            if not hook.post_when(body):
                return None
        elif method not in ("GET", "HEAD"):
            return None
        filter_text = next((v for k, v in pairs if k == "$filter"), None)
        custom = {k: v for k, v in pairs if not k.startswith("$")}
        if hook.when is not None and not hook.when(body, custom):
            return None
        async with self.store.read() as conn:
            narrowed = await hook.narrow(conn, path.entity, body, filter_text, custom)
        if narrowed.take_filter:
            pairs = [(k, v) for k, v in pairs if k != "$filter"]
        # A scope given in the body travels to the next page's link as a custom option.
        carried = dict(narrowed.carry)
        pairs = [*[(k, v) for k, v in pairs if k not in carried], *narrowed.carry]
        options = self.options(path.entity, pairs)
        if isinstance(path, CountPath):
            return await self.count(path.entity, options, "GET", where=narrowed.where)
        read_method = "GET" if method == "POST" else method
        return await self.collection(req, path, options, read_method, pairs, where=narrowed.where)

    def _body(self, req: ODataRequest) -> dict[str, Any] | None:
        return parse_json_object(req.body, self.limits) if req.body.strip() else None

    async def hooked_entity(
        self, req: ODataRequest, path: EntityPath, method: str, pairs: Pairs, hook: EntityHook
    ) -> ODataResponse | None:
        """An entity read the domain answers with a collection (a folder's children)."""
        async with self.store.read() as conn:
            listing = await hook(conn, path.entity, path.key)
        if listing is None:
            return None
        target = self.schema.entity(listing.entity_set)
        options = self.options(target, pairs)
        return await self.collection(req, CollectionPath(target), options, method, pairs, where=listing.where)

    # -- reads ----------------------------------------------------------------------------

    async def collection(
        self,
        req: ODataRequest,
        path: CollectionPath | NavigationPath,
        options: QueryOptions,
        method: str,
        pairs: Pairs,
        where: list[Any] | None = None,
        plan: ReadPlan | None = None,
        slots: Sequence[Any] = (),
    ) -> ODataResponse:
        entity = path.target
        if entity.__single__ and isinstance(path, CollectionPath) and _plain(options):
            return await self._single(req, entity, options, method)
        if plan is None:
            plan, _ = self.reader.plan_collection(entity, options, where=where)
        async with self.store.reads(snapshot=bool(options.count or options.expand)) as ex:
            page = await self.reader.collection(ex, plan, slots, options.top, options.skip)
        if method == "HEAD":
            return ODataResponse(200, b"")
        body: dict[str, Any] = {"@odata.context": context_url(req.root, entity.__entity_set__, options)}
        if page.count is not None:
            body["@odata.count"] = page.count
        body["value"] = page.items
        if page.next_skip is not None:
            body["@odata.nextLink"] = self._next_link(req, pairs, options, page.next_skip)
        return ODataResponse(200, dumps(body))

    async def _single(
        self, req: ODataRequest, entity: type[Entity], options: QueryOptions, method: str
    ) -> ODataResponse:
        """A singleton-like set (one configuration row): its collection answers its entity."""
        one = QueryOptions(select=options.select, expand=options.expand)
        plan, _ = self.reader.plan_collection(entity, one)
        async with self.store.reads(snapshot=bool(options.expand)) as ex:
            page = await self.reader.collection(ex, plan, top=1)
        if not page.items:
            raise NotFound(f"{entity.__entity_set__} is not configured")
        if method == "HEAD":
            return ODataResponse(200, b"")
        return entity_response(req, entity, page.items[0], options)

    def _next_link(self, req: ODataRequest, pairs: Pairs, options: QueryOptions, next_skip: int) -> str:
        kept = [(k, v) for k, v in pairs if k not in ("$skip", "$top", "$skiptoken")]
        kept.append(("$skip", str(next_skip)))
        if options.top is not None:
            remaining = options.top - (next_skip - options.skip)
            kept.append(("$top", str(max(remaining, 0))))
        query = urlencode(kept, quote_via=quote, safe="$,'()/:@*")
        return f"{req.root}{req.path.lstrip('/')}?{query}"

    async def count(
        self, entity: type[Entity], options: QueryOptions, method: str, where: list[Any] | None = None
    ) -> ODataResponse:
        stmt = self.reader.plan_count(entity, options, where=where)
        async with self.store.reads() as ex:
            n = await self.reader.count(ex, stmt)
        return ODataResponse(200, b"" if method == "HEAD" else str(n).encode(), TEXT)

    async def entity(
        self, req: ODataRequest, path: EntityPath, options: QueryOptions, method: str, plan: ReadPlan | None = None
    ) -> ODataResponse:
        entity = path.entity
        if plan is None:
            plan = self.reader.plan_single(entity, options)
        async with self.store.reads(snapshot=bool(options.expand)) as ex:
            if method == "HEAD":
                if not await self.reader.exists(ex, entity, path.key):
                    raise not_found(entity, path.key)
                return ODataResponse(200, b"")
            item = await self.reader.single(ex, plan, path.key)
        if item is None:
            raise not_found(entity, path.key)
        return entity_response(req, entity, item, options)

    async def navigation(
        self, req: ODataRequest, path: NavigationPath, options: QueryOptions, method: str, pairs: Pairs
    ) -> ODataResponse:
        nav, entity = path.navigation, path.entity
        async with self.store.reads() as ex:
            found, fk_value = await self.reader.value_of(ex, entity, path.key, entity.key.name if nav.many else nav.fk)
        if not found:
            raise not_found(entity, path.key)
        if nav.many:
            where = [self.store.table(nav.target).c[nav.fk] == path.key]
            if path.count:
                return await self.count(nav.target, options, method, where=where)
            return await self.collection(req, path, options, method, pairs, where=where)
        if fk_value in (None, 0):
            return no_content()
        plan = self.reader.plan_single(nav.target, options)
        async with self.store.reads(snapshot=bool(options.expand)) as ex:
            item = await self.reader.single(ex, plan, fk_value)
        if item is None:
            return no_content()
        if method == "HEAD":
            return ODataResponse(200, b"")
        return entity_response(req, nav.target, item, options)

    async def property(self, req: ODataRequest, path: PropertyPath, method: str) -> ODataResponse:
        entity, prop = path.entity, path.prop
        async with self.store.reads() as ex:
            found, rendered = await self.reader.value_of(ex, entity, path.key, prop.name)
        if not found:
            raise not_found(entity, path.key)
        if path.raw:
            if rendered is None:
                return no_content()
            return ODataResponse(200, str(rendered).encode(), TEXT)
        body = {
            "@odata.context": f"{req.root}$metadata#{entity.__entity_set__}({path.key})/{prop.name}",
            "value": rendered,
        }
        return ODataResponse(200, b"" if method == "HEAD" else dumps(body))
