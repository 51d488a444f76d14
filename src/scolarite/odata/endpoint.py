"""The generic OData request handler.

``ODataEndpoint.handle`` takes a plain ``ODataRequest`` (method, path below the
service root, raw query string, headers, body) and returns an ``ODataResponse``;
the web framework only adapts to and from these.  Every request runs in one
database transaction: a failure anywhere rolls the whole request back.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import exc as sa_exc

from scolarite import errors as domain
from scolarite.schema import Entity, Schema
from scolarite.schema.values import CREATE, MERGE, REPLACE, check_values
from scolarite.service import Context, Created, ReadContext, Service
from scolarite.store.raw import ConnectionExecutor

from . import csdl
from .errors import (
    BadRequest,
    Conflict,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    ODataError,
    Unavailable,
    from_domain,
)
from .filter import Uncacheable
from .limits import DEFAULT_LIMITS, Limits, exceeded
from .payload import parse_json_object
from .query import Reader, ReadPlan
from .serialize import context_url, dumps, select_expand_clause
from .uri import QueryOptions, ResourcePath, filter_shape, parse_options, parse_path, parse_query_string

log = logging.getLogger("scolarite.odata")

JSON = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8"
XML = "application/xml; charset=utf-8"
BASE_HEADERS = {"OData-Version": "4.0"}


@dataclass
class ODataRequest:
    method: str
    path: str
    query: str
    root: str  # absolute URL of the service root, ending with "/"
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    user: Any = None


@dataclass
class ODataResponse:
    status: int
    body: bytes = b""
    content_type: str | None = JSON
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Shape:
    """A read planned once for every request of the same shape."""

    options: QueryOptions
    plan: ReadPlan
    binders: dict[int, Callable[[str], Any]]


_UNCACHEABLE = object()
_PAGING = {"$top", "$skip"}  # names as uri.parse_query_string gives them


def _paging(pairs, name: str) -> int | None:
    """The value of $top or $skip (the parser has already checked there is one)."""
    for k, v in pairs:
        if k == "$" + name:
            v = v.strip()
            if not re.fullmatch(r"\d{1,18}", v):
                raise BadRequest(f"${name} must be a non-negative integer, not {v!r}", target=f"${name}")
            return int(v)
    return None


def error_response(error: ODataError) -> ODataResponse:
    return ODataResponse(error.status, dumps(error.body()), JSON, {**BASE_HEADERS, **error.headers})


class ODataEndpoint:
    def __init__(self, schema: Schema, service: Service, max_page_size: int = 1000, limits: Limits = DEFAULT_LIMITS):
        self.schema = schema
        self.service = service
        self.db = service.db
        self.limits = limits
        self.reader = Reader(self.db, self.db.engine.dialect, max_page_size, limits.max_expanded_entities)
        self._shapes: dict[tuple, Any] = {}
        self.max_shapes = 2048

    async def handle(self, req: ODataRequest) -> ODataResponse:
        try:
            response = await self._dispatch(req)
            if len(response.body) > self.limits.max_response_bytes:
                raise exceeded(
                    "max_response_bytes",
                    f"the response would be {len(response.body):,} bytes long: ask "
                    "for fewer entities ($top, $filter) or properties ($select)",
                    self.limits.max_response_bytes,
                )
        except ODataError as error:
            return error_response(error)
        except domain.DomainError as error:
            return error_response(from_domain(error))
        except sa_exc.IntegrityError as error:
            log.info("integrity error: %s", _first_line(error.orig))
            found = self.db.unique_violation(str(error.orig))
            if found is None:
                return error_response(
                    Conflict("the change conflicts with existing data (a value that must be unique is already used)")
                )
            message, invalid = found
            return error_response(BadRequest(message) if invalid else Conflict(message))
        except sa_exc.DBAPIError as error:
            if _is_overload(error):
                log.warning("database unavailable: %s", _first_line(error.orig))
                return error_response(
                    Unavailable(
                        "the database cannot take more work right now; retry shortly", headers={"Retry-After": "1"}
                    )
                )
            if not _is_data_exception(error):
                return self._internal_error(req)
            log.info("data exception: %s", _first_line(error.orig))
            return error_response(BadRequest(_data_exception_message(error)))
        except Exception:
            return self._internal_error(req)
        response.headers = {**BASE_HEADERS, **response.headers}
        return response

    def _internal_error(self, req: ODataRequest) -> ODataResponse:
        request_id = uuid.uuid4().hex[:12]
        log.exception("unexpected error, request id %s: %s %s", request_id, req.method, req.path)
        return error_response(
            ODataError(f"internal error (request id {request_id})", status=500, code="InternalServerError")
        )

    # -- dispatch ------------------------------------------------------------------------

    async def _dispatch(self, req: ODataRequest) -> ODataResponse:
        path = parse_path(self.schema, req.path)
        method = req.method.upper()
        if method == "MERGE":
            method = "PATCH"
        pairs = parse_query_string(req.query, self.limits)
        if path.kind == "service":
            self._allow(method, ("GET", "HEAD"), "the service document")
            return self._service_document(req, method)
        if path.kind == "metadata":
            self._allow(method, ("GET", "HEAD"), "$metadata")
            return self._metadata(req, pairs, method)
        if path.kind == "batch":
            self._allow(method, ("POST",), "$batch")
            raise BadRequest(
                "$batch is not supported by this service yet: send one request per operation", code="NotSupported"
            )
        entity = path.entity
        assert entity is not None
        if path.kind == "action":
            return await self._action(req, path, method)
        if path.kind in ("collection", "count") and entity.__entity_set__ in self.service.read_hooks:
            hooked = await self._hooked_read(req, path, method, pairs)
            if hooked is not None:
                return hooked
        if (
            method == "GET"
            and (path.kind == "entity" or (path.kind == "collection" and not entity.__single__))
            and entity.__entity_set__ not in self.service.entity_read_hooks
        ):
            return await self._shaped_read(req, path, pairs)
        if (
            path.kind == "entity"
            and method in ("GET", "HEAD")
            and entity.__entity_set__ in self.service.entity_read_hooks
        ):
            hooked = await self._hooked_entity_read(req, path, method, pairs)
            if hooked is not None:
                return hooked
        options = parse_options(path.target, pairs, self.limits)
        self._check_format(options)
        if path.kind in ("collection", "count"):
            if method in ("GET", "HEAD"):
                if path.kind == "count":
                    return await self._count(path, options, method)
                return await self._read_collection(req, path, options, method, pairs)
            if method == "POST" and path.kind == "collection":
                return await self._create(req, entity, options)
            raise MethodNotAllowed(
                f"{method} is not allowed on the collection {entity.__entity_set__} (use GET to read, POST to create)",
                headers={"Allow": "GET, HEAD, POST"},
            )
        if path.kind == "entity":
            if method in ("GET", "HEAD"):
                return await self._read_entity(req, path, options, method)
            if method in ("PUT", "POST", "PATCH"):
                return await self._update(req, path, options, merge=method == "PATCH")
            if method == "DELETE":
                return await self._delete(path)
            raise MethodNotAllowed(
                f"{method} is not allowed on an entity", headers={"Allow": "GET, HEAD, PUT, POST, PATCH, DELETE"}
            )
        if path.kind == "navigation":
            if method in ("GET", "HEAD"):
                return await self._read_navigation(req, path, options, method, pairs)
            if method == "POST" and path.navigation.many and not path.count:
                return await self._create_related(req, path, options)
            raise MethodNotAllowed(
                f"{method} is not allowed on {path.navigation.name}",
                headers={"Allow": "GET, HEAD" + (", POST" if path.navigation.many else "")},
            )
        if path.kind == "property":
            self._allow(method, ("GET", "HEAD"), f"the property {path.prop.name}")
            return await self._read_property(req, path, method)
        raise NotFound("no such resource")

    # -- reads planned per query shape ----------------------------------------------------

    async def _shaped_read(self, req: ODataRequest, path: ResourcePath, pairs) -> ODataResponse:
        """A GET of a collection or of an entity by key, planned once per shape.

        The shape is the request without its values: the literals of $filter
        (``uri.filter_shape``), and $top and $skip.  Its plan is kept; a request
        only parses its values, binds them and runs the plan's SQL.
        """
        entity = path.entity
        shaped: list[tuple[str, str]] = []
        literals: list[tuple[str, str]] = []
        paged = False
        for k, v in pairs:
            if k == "$filter" and path.kind == "collection":
                found = filter_shape(v)
                if found is not None:
                    v, literals = found
            elif k in _PAGING:
                v, paged = "0", True
            elif not k.startswith("$"):
                continue  # a custom option (a BI tool's cache buster…): no part of the read
            shaped.append((k, v))
        key = (path.kind, entity.__entity_set__, tuple(shaped), tuple(c for c, _ in literals))
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._plan_shape(path, shaped, [c for c, _ in literals])
            if len(self._shapes) >= self.max_shapes:
                self._shapes.clear()
            if shape is not None:
                self._shapes[key] = shape
        if shape is None or shape is _UNCACHEABLE:
            # Planned with the request's own values (the error, if the shape has
            # one, then names them).
            options = parse_options(path.target, pairs, self.limits)
            self._check_format(options)
            if path.kind == "entity":
                return await self._read_entity(req, path, options, "GET")
            return await self._read_collection(req, path, options, "GET", pairs)
        slots = [binder(raw) for (_, raw), binder in zip(literals, (shape.binders[i] for i in range(len(literals))))]
        if path.kind == "entity":
            return await self._read_entity(req, path, shape.options, "GET", plan=shape.plan)
        options = shape.options
        if paged:
            options = replace(options, top=_paging(pairs, "top"), skip=_paging(pairs, "skip") or 0)
        return await self._read_collection(req, path, options, "GET", pairs, plan=shape.plan, slots=slots)

    def _plan_shape(self, path: ResourcePath, shaped, slots: list[str]):
        """The shape's plan; ``_UNCACHEABLE`` when it needs a value to compile, None
        when the shape itself is in error."""
        try:
            options = parse_options(path.target, shaped, self.limits)
            self._check_format(options)
            if path.kind == "entity":
                return _Shape(options, self.reader.plan_single(path.entity, options), {})
            plan, binders = self.reader.plan_collection(path.entity, options, slots=slots)
        except Uncacheable:
            return _UNCACHEABLE
        except ODataError:
            return None
        if set(binders) != set(range(len(slots))):
            return _UNCACHEABLE
        return _Shape(options, plan, binders)

    async def _hooked_read(self, req: ODataRequest, path: ResourcePath, method: str, pairs) -> ODataResponse | None:
        """A collection read (or a POST that is a query) narrowed by a domain hook."""
        hook = self.service.read_hooks[path.entity.__entity_set__]
        body = parse_json_object(req.body, self.limits) if req.body.strip() else None
        if method == "POST":
            if path.kind != "collection" or body is None or hook.post_when is None or not hook.post_when(body):
                return None  # an ordinary creation
        elif method not in ("GET", "HEAD"):
            return None
        filter_text = next((v for k, v in pairs if k == "$filter"), None)
        custom = {k: v for k, v in pairs if not k.startswith("$")}
        if hook.when is not None and not hook.when(body, custom):
            return None
        async with self.db.read() as conn:
            ctx = ReadContext(path.entity, conn, self.service, body=body, filter_text=filter_text, custom=custom)
            await hook.handler(ctx)
        if ctx.take_filter:
            pairs = [(k, v) for k, v in pairs if k != "$filter"]
        # A scope given in the body travels to the next page's link as a custom option.
        pairs = [*[(k, v) for k, v in pairs if k not in dict(ctx.carry)], *ctx.carry]
        options = parse_options(path.target, pairs, self.limits)
        self._check_format(options)
        if path.kind == "count":
            return await self._count(path, options, "GET", where=ctx.where)
        return await self._read_collection(
            req, path, options, "GET" if method == "POST" else method, pairs, where=ctx.where
        )

    async def _hooked_entity_read(
        self, req: ODataRequest, path: ResourcePath, method: str, pairs
    ) -> ODataResponse | None:
        hook = self.service.entity_read_hooks[path.entity.__entity_set__]
        async with self.db.read() as conn:
            ctx = ReadContext(path.entity, conn, self.service, key=path.key)
            listing = await hook(ctx)
        if listing is None:
            return None
        target = self.schema.entity(listing.entity_set)
        options = parse_options(target, pairs, self.limits)
        self._check_format(options)
        listed = ResourcePath("collection", target, target=target)
        return await self._read_collection(req, listed, options, method, pairs, where=listing.where)

    def _allow(self, method: str, allowed: tuple[str, ...], what: str) -> None:
        if method not in allowed:
            raise MethodNotAllowed(
                f"{method} is not allowed on {what}; allowed: {', '.join(allowed)}",
                headers={"Allow": ", ".join(allowed)},
            )

    def _check_format(self, options: QueryOptions) -> None:
        fmt = (options.format or "").lower()
        if fmt and fmt != "json" and not fmt.startswith("application/json"):
            raise NotAcceptable(f"$format={options.format} is not supported; use $format=json", target="$format")

    def _readonly(self, entity: type[Entity]) -> None:
        if getattr(entity, "__readonly__", False):
            raise MethodNotAllowed(f"{entity.__entity_set__} is read-only", headers={"Allow": "GET, HEAD"})

    # -- documents -------------------------------------------------------------------------

    def _service_document(self, req: ODataRequest, method: str) -> ODataResponse:
        body = {
            "@odata.context": f"{req.root}$metadata",
            "value": [{"name": e.__entity_set__, "kind": "EntitySet", "url": e.__entity_set__} for e in self.schema],
        }
        return ODataResponse(200, b"" if method == "HEAD" else dumps(body))

    def _metadata(self, req: ODataRequest, pairs, method: str) -> ODataResponse:
        fmt = ""
        for name, value in pairs:
            if name == "$format":
                fmt = value.strip().lower()
            elif name.startswith("$"):
                raise BadRequest(f"{name} does not apply to $metadata", target=name)
        accept = req.headers.get("accept", "").lower()
        if fmt in ("json", "application/json") or (not fmt and "application/json" in accept and "xml" not in accept):
            body, ctype = csdl.csdl_json(self.schema), "application/json; charset=utf-8"
        elif fmt in ("", "xml", "application/xml"):
            body, ctype = csdl.csdl_xml(self.schema), XML
        else:
            raise NotAcceptable(f"$metadata is available as xml or json, not {fmt}", target="$format")
        return ODataResponse(200, b"" if method == "HEAD" else body, ctype)

    # -- reads -------------------------------------------------------------------------

    async def _read_collection(
        self,
        req,
        path: ResourcePath,
        options: QueryOptions,
        method: str,
        pairs,
        where=None,
        context_set: str | None = None,
        plan: ReadPlan | None = None,
        slots=(),
    ) -> ODataResponse:
        entity = path.target
        plain = (
            options.filter is None
            and not options.orderby
            and options.top is None
            and not options.skip
            and not options.count
        )
        if entity.__single__ and path.kind == "collection" and plain:
            one = QueryOptions(select=options.select, expand=options.expand)
            plan, _ = self.reader.plan_collection(entity, one)
            async with self.db.reads(snapshot=bool(options.expand)) as ex:
                page = await self.reader.collection(ex, plan, top=1)
            if not page.items:
                raise NotFound(f"{entity.__entity_set__} is not configured")
            return (
                ODataResponse(200, b"")
                if method == "HEAD"
                else self._entity_response(req, entity, page.items[0], options)
            )
        if plan is None:
            plan, _ = self.reader.plan_collection(entity, options, where=where)
        async with self.db.reads(snapshot=bool(options.count or options.expand)) as ex:
            page = await self.reader.collection(ex, plan, slots, options.top, options.skip)
        if method == "HEAD":
            return ODataResponse(200, b"")
        body: dict[str, Any] = {"@odata.context": context_url(req.root, context_set or entity.__entity_set__, options)}
        if page.count is not None:
            body["@odata.count"] = page.count
        body["value"] = page.items
        if page.next_skip is not None:
            body["@odata.nextLink"] = self._next_link(req, pairs, options, page.next_skip)
        return ODataResponse(200, dumps(body))

    def _next_link(self, req: ODataRequest, pairs, options: QueryOptions, next_skip: int) -> str:
        kept = [(k, v) for k, v in pairs if k not in ("$skip", "$top", "$skiptoken")]
        kept.append(("$skip", str(next_skip)))
        if options.top is not None:
            remaining = options.top - (next_skip - options.skip)
            kept.append(("$top", str(max(remaining, 0))))
        query = urlencode(kept, quote_via=quote, safe="$,'()/:@*")
        return f"{req.root}{req.path.lstrip('/')}?{query}"

    async def _count(self, path: ResourcePath, options: QueryOptions, method: str, where=None) -> ODataResponse:
        stmt = self.reader.plan_count(path.target, options, where=where)
        async with self.db.reads() as ex:
            n = await self.reader.count(ex, stmt)
        return ODataResponse(200, b"" if method == "HEAD" else str(n).encode(), "text/plain; charset=utf-8")

    async def _read_entity(
        self, req, path: ResourcePath, options: QueryOptions, method: str, plan: ReadPlan | None = None
    ) -> ODataResponse:
        entity = path.entity
        if plan is None:
            plan = self.reader.plan_single(entity, options)
        async with self.db.reads(snapshot=bool(options.expand)) as ex:
            if method == "HEAD":
                if not await self.reader.exists(ex, entity, path.key):
                    raise self._not_found(entity, path.key)
                return ODataResponse(200, b"")
            item = await self.reader.single(ex, plan, path.key)
        if item is None:
            raise self._not_found(entity, path.key)
        return self._entity_response(req, entity, item, options)

    def _entity_response(
        self, req, entity, item: dict, options: QueryOptions | None, status: int = 200, headers: dict | None = None
    ) -> ODataResponse:
        body = {"@odata.context": context_url(req.root, entity.__entity_set__, options, entity=True), **item}
        return ODataResponse(status, dumps(body), headers=headers or {})

    def _not_found(self, entity: type[Entity], key: Any) -> NotFound:
        return NotFound(f"{entity.__entity_set__} {key} does not exist", target=entity.key.name)

    async def _read_navigation(
        self, req, path: ResourcePath, options: QueryOptions, method: str, pairs
    ) -> ODataResponse:
        nav = path.navigation
        entity, target = path.entity, nav.target
        async with self.db.reads() as ex:
            found, fk_value = await self.reader.value_of(ex, entity, path.key, entity.key.name if nav.many else nav.fk)
        if not found:
            raise self._not_found(entity, path.key)
        table = self.db.table(target)
        if nav.many:
            where = [table.c[nav.fk] == path.key]
            if path.count:
                return await self._count(path, options, method, where=where)
            return await self._read_collection(
                req, path, options, method, pairs, where=where, context_set=target.__entity_set__
            )
        if fk_value in (None, 0):
            return ODataResponse(204, b"", None)
        plan = self.reader.plan_single(target, options)
        async with self.db.reads(snapshot=bool(options.expand)) as ex:
            item = await self.reader.single(ex, plan, fk_value)
        if item is None:
            return ODataResponse(204, b"", None)
        if method == "HEAD":
            return ODataResponse(200, b"")
        return self._entity_response(req, target, item, options)

    async def _read_property(self, req, path: ResourcePath, method: str) -> ODataResponse:
        entity, prop = path.entity, path.prop
        async with self.db.reads() as ex:
            found, rendered = await self.reader.value_of(ex, entity, path.key, prop.name)
        if not found:
            raise self._not_found(entity, path.key)
        if req.path.rstrip("/").endswith("/$value"):
            if rendered is None:
                return ODataResponse(204, b"", None)
            return ODataResponse(200, str(rendered).encode(), "text/plain; charset=utf-8")
        body = {
            "@odata.context": f"{req.root}$metadata#{entity.__entity_set__}({path.key})/{prop.name}",
            "value": rendered,
        }
        return ODataResponse(200, b"" if method == "HEAD" else dumps(body))

    # -- writes -----------------------------------------------------------------------------

    def _reject_read_options(self, options: QueryOptions) -> None:
        if options.filter is not None or options.orderby or options.top is not None or options.skip or options.count:
            raise BadRequest("$filter, $orderby, $top, $skip and $count do not apply to a write")

    async def _create(
        self, req: ODataRequest, entity: type[Entity], options: QueryOptions, fixed: dict[str, Any] | None = None
    ) -> ODataResponse:
        self._readonly(entity)
        self._reject_read_options(options)
        body = parse_json_object(req.body, self.limits)
        if fixed:
            for name, value in fixed.items():
                if name in body and body[name] != value:
                    raise BadRequest(f"{name} is set by the URL ({value}); the body says {body[name]}", target=name)
                body[name] = value
        values = check_values(entity, body, CREATE)
        sent = {k for k in body if k in entity.properties}
        answer = self.service.create_answers.get(entity.__entity_set__)
        # Read back what was stored only when the answer shows it.
        plan = None if answer is not None or self._prefers_minimal(req) else self._written_plan(entity, options)
        item = None
        async with self.db.write() as conn:
            key = await self.service.create(conn, entity, values, sent)
            if plan is not None:
                item = await self.reader.single(ConnectionExecutor(conn), plan, key)
        location = f"{req.root}{entity.__entity_set__}({key})"
        if answer is not None:
            value = answer(key)
            return ODataResponse(
                201,
                dumps({"@odata.context": f"{req.root}$metadata#{value.type_name}", "value": value.value}),
                headers={"Location": location},
            )
        if self._prefers_minimal(req):
            return ODataResponse(204, b"", None, {"Location": location, "OData-EntityId": location})
        return self._entity_response(req, entity, item or {}, options, 201, {"Location": location})

    async def _create_related(self, req, path: ResourcePath, options: QueryOptions) -> ODataResponse:
        nav = path.navigation
        async with self.db.reads() as ex:
            if not await self.reader.exists(ex, path.entity, path.key):
                raise self._not_found(path.entity, path.key)
        return await self._create(req, nav.target, options, fixed={nav.fk: path.key})

    async def _update(self, req, path: ResourcePath, options: QueryOptions, merge: bool) -> ODataResponse:
        entity = path.entity
        self._readonly(entity)
        self._reject_read_options(options)
        body = parse_json_object(req.body, self.limits)
        values = check_values(entity, body, MERGE if merge else REPLACE, key=path.key)
        sent = {k for k in body if k in entity.properties}
        plan = None if self._prefers_minimal(req) else self._written_plan(entity, options)
        async with self.db.write() as conn:
            await self.service.update(conn, entity, path.key, values, merge=merge, sent=sent)
            item = None if plan is None else await self.reader.single(ConnectionExecutor(conn), plan, path.key)
        if plan is None:
            return ODataResponse(204, b"", None)
        return self._entity_response(req, entity, item or {}, options)

    async def _delete(self, path: ResourcePath) -> ODataResponse:
        entity = path.entity
        self._readonly(entity)
        async with self.db.write() as conn:
            await self.service.delete(conn, entity, path.key)
        return ODataResponse(204, b"", None)

    async def _action(self, req: ODataRequest, path: ResourcePath, method: str) -> ODataResponse:
        entity = path.entity
        action = self.service.actions.get((entity.__entity_set__, path.action))
        if action is None:
            raise NotFound(
                f"{entity.__entity_set__} has no property, navigation or action named {path.action!r}",
                target=path.action,
            )
        if method not in action.methods:
            raise MethodNotAllowed(
                f"{path.action} is called with {' or '.join(action.methods)}",
                headers={"Allow": ", ".join(action.methods)},
            )
        async with self.db.reads() as ex:
            if not await self.reader.exists(ex, entity, path.key):
                raise self._not_found(entity, path.key)
        params = parse_json_object(req.body, self.limits) if req.body.strip() else {}
        sent: set[str] = set()
        if action.creates:
            target = self.schema.entity(action.creates)
            sent = {k for k in params if k in target.properties}
            params = check_values(target, params, CREATE)
        async with self.db.write() as conn:
            if not await self.reader.exists(ConnectionExecutor(conn), entity, path.key):
                raise self._not_found(entity, path.key)
            ctx = Context("ACTION", entity, conn, self.service, data=params, key=path.key, sent=sent, params=params)
            result = await action.handler(ctx)
            minimal = self._prefers_minimal(req)
            if isinstance(result, Created):
                target = self.schema.entity(result.entity_set)
                item = (
                    None
                    if minimal
                    else await self.reader.single(
                        ConnectionExecutor(conn), self._written_plan(target, QueryOptions()), result.key
                    )
                )
        if isinstance(result, Created):
            location = f"{req.root}{result.entity_set}({result.key})"
            if minimal:
                return ODataResponse(204, b"", None, {"Location": location, "OData-EntityId": location})
            return self._entity_response(req, target, item or {}, None, 201, {"Location": location})
        return ODataResponse(200, b"", None)

    def _written_plan(self, entity: type[Entity], options: QueryOptions) -> ReadPlan:
        """How a write answers with the entity it stored (shown even if a visibility
        rule hides it from later reads); kept per entity set and $select/$expand."""
        if options.expand:  # nested options may carry values: not kept
            return self.reader.plan_single(entity, options, domain=False)
        key = ("written", entity.__entity_set__, select_expand_clause(options))
        plan = self._shapes.get(key)
        if plan is None:
            plan = self._shapes[key] = self.reader.plan_single(entity, options, domain=False)
        return plan

    def _prefers_minimal(self, req: ODataRequest) -> bool:
        return "return=minimal" in req.headers.get("prefer", "").replace(" ", "").lower()


def _sqlstates(error: Exception):
    orig = getattr(error, "orig", None)
    for candidate in (orig, getattr(orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(state, str):
            yield state


def _is_overload(error: Exception) -> bool:
    """SQLSTATE class 53 ("insufficient resources", e.g. too many connections) or 08
    (the connection could not be made): the server is busy, not the request wrong."""
    return any(state[:2] in ("53", "08") for state in _sqlstates(error))


def _is_data_exception(error: Exception) -> bool:
    """SQLSTATE class 22 ("data exception": overflow, invalid value…): the request's own values."""
    return isinstance(error, sa_exc.DataError) or any(state.startswith("22") for state in _sqlstates(error))


# SQLSTATE class 22 ("data exception"), in our words: the driver's own messages name its internals.
_DATA_EXCEPTIONS = {
    "22003": "a number in this request is out of range (an arithmetic result or a value too large for its type)",
    "22012": "this request divides by zero",
    "22001": "a value of this request is too long",
    "22007": "a date of this request is invalid",
    "22008": "a date of this request is out of range",
    "22P02": "a value of this request has an invalid form",
    "22011": "substring() was given a position or a length out of range",
}


def _data_exception_message(error: Exception) -> str:
    for state in _sqlstates(error):
        if state in _DATA_EXCEPTIONS:
            return _DATA_EXCEPTIONS[state]
    orig = getattr(error, "orig", None)
    if isinstance(orig, OverflowError) or "too large" in str(orig).lower() or "overflow" in str(orig).lower():
        return _DATA_EXCEPTIONS["22003"]
    return "a value of this request is out of range or invalid for the database"


def _first_line(orig: Any) -> str:
    return str(orig).strip().splitlines()[0][:200] if orig is not None else ""
