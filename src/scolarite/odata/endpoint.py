"""The generic OData request handler.

``ODataEndpoint.handle`` takes a plain ``ODataRequest`` (method, path below the
service root, raw query string, headers, body) and returns an ``ODataResponse``;
the web framework only adapts to and from these.  It parses the path into one of
the types of ``paths`` and dispatches on it (``match``) to the reads
(``reads``), the writes and actions (``writes``) or the documents
(``documents``); every failure becomes an OData error here, and only here.
Every request runs in one database transaction: a failure anywhere rolls the
whole request back.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from scolarite import errors as domain
from scolarite.schema import Schema

from . import documents
from .errors import BadRequest, MethodNotAllowed, NotFound, ODataError, from_domain
from .limits import DEFAULT_LIMITS, Limits, exceeded
from .messages import BASE_HEADERS, ODataRequest, ODataResponse, allow, error_response
from .paths import (
    ActionPath,
    Batch,
    CollectionPath,
    CountPath,
    EntityPath,
    Metadata,
    NavigationPath,
    PropertyPath,
    ServiceRoot,
    parse_path,
)
from .ports import Domain, Executor, Store
from .query import Reader
from .reads import Pairs, Reads
from .uri import parse_query_string
from .writes import Writes

__all__ = ["ODataEndpoint", "ODataRequest", "ODataResponse", "error_response"]

log = logging.getLogger("scolarite.odata")

_ENTITY_METHODS = "GET, HEAD, PUT, POST, PATCH, DELETE"


class ODataEndpoint:
    def __init__(
        self,
        schema: Schema,
        store: Store,
        domain: Domain,
        executor: Callable[[Any], Executor],
        dialect: sa.engine.Dialect,
        max_page_size: int = 1000,
        limits: Limits = DEFAULT_LIMITS,
    ):
        self.schema = schema
        self.domain = domain
        self.limits = limits
        self.reader = Reader(store, dialect, max_page_size, limits.max_expanded_entities)
        self.reads = Reads(schema, store, self.reader, limits)
        self.writes = Writes(schema, store, domain, self.reads, executor, limits)

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

    async def _dispatch(self, req: ODataRequest) -> ODataResponse:
        path = parse_path(self.schema, req.path)
        method = req.method.upper()
        if method == "MERGE":
            method = "PATCH"
        pairs = parse_query_string(req.query, self.limits)
        match path:
            case ServiceRoot():
                allow(method, ("GET", "HEAD"), "the service document")
                return documents.service_document(self.schema, req, method)
            case Metadata():
                allow(method, ("GET", "HEAD"), "$metadata")
                return documents.metadata(self.schema, req, pairs, method)
            case Batch():
                allow(method, ("POST",), "$batch")
                raise BadRequest(
                    "$batch is not supported by this service yet: send one request per operation", code="NotSupported"
                )
            case ActionPath():
                return await self.writes.action(req, path, method)
            case CollectionPath() | CountPath():
                return await self._collection(req, path, method, pairs)
            case EntityPath():
                return await self._entity(req, path, method, pairs)
            case NavigationPath():
                return await self._navigation(req, path, method, pairs)
            case PropertyPath():
                allow(method, ("GET", "HEAD"), f"the property {path.prop.name}")
                return await self.reads.property(req, path, method)
        raise NotFound("no such resource")  # pragma: no cover - the match is exhaustive

    async def _collection(
        self, req: ODataRequest, path: CollectionPath | CountPath, method: str, pairs: Pairs
    ) -> ODataResponse:
        entity = path.entity
        hook = self.domain.collection_hook(entity.__entity_set__)
        if hook is not None:
            hooked = await self.reads.hooked(req, path, method, pairs, hook)
            if hooked is not None:
                return hooked
        if (
            method == "GET"
            and isinstance(path, CollectionPath)
            and not entity.__single__
            and self.domain.entity_hook(entity.__entity_set__) is None
        ):
            return await self.reads.shaped(req, path, pairs)
        options = self.reads.options(entity, pairs)
        if method in ("GET", "HEAD"):
            if isinstance(path, CountPath):
                return await self.reads.count(entity, options, method)
            return await self.reads.collection(req, path, options, method, pairs)
        if method == "POST" and isinstance(path, CollectionPath):
            return await self.writes.create(req, entity, options)
        raise MethodNotAllowed(
            f"{method} is not allowed on the collection {entity.__entity_set__} (use GET to read, POST to create)",
            headers={"Allow": "GET, HEAD, POST"},
        )

    async def _entity(self, req: ODataRequest, path: EntityPath, method: str, pairs: Pairs) -> ODataResponse:
        hook = self.domain.entity_hook(path.entity.__entity_set__)
        if hook is None and method == "GET":
            return await self.reads.shaped(req, path, pairs)
        if hook is not None and method in ("GET", "HEAD"):
            hooked = await self.reads.hooked_entity(req, path, method, pairs, hook)
            if hooked is not None:
                return hooked
        options = self.reads.options(path.entity, pairs)
        if method in ("GET", "HEAD"):
            return await self.reads.entity(req, path, options, method)
        if method in ("PUT", "POST", "PATCH"):
            return await self.writes.update(req, path, options, merge=method == "PATCH")
        if method == "DELETE":
            return await self.writes.delete(path)
        raise MethodNotAllowed(f"{method} is not allowed on an entity", headers={"Allow": _ENTITY_METHODS})

    async def _navigation(self, req: ODataRequest, path: NavigationPath, method: str, pairs: Pairs) -> ODataResponse:
        options = self.reads.options(path.target, pairs)
        if method in ("GET", "HEAD"):
            return await self.reads.navigation(req, path, options, method, pairs)
        if method == "POST" and path.navigation.many and not path.count:
            return await self.writes.create_related(req, path, options)
        raise MethodNotAllowed(
            f"{method} is not allowed on {path.navigation.name}",
            headers={"Allow": "GET, HEAD" + (", POST" if path.navigation.many else "")},
        )
