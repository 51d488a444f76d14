"""Writes: create, replace, merge, delete, and the domain's bound actions.

Each runs in one write transaction of the store, through the domain (its rules
run inside it); the entity is read back in the same transaction when the answer
shows it (not with ``Prefer: return=minimal``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scolarite.schema import Entity, Schema
from scolarite.schema.values import CREATE, MERGE, REPLACE, check_values

from .errors import BadRequest, MethodNotAllowed, NotFound
from .limits import Limits
from .messages import ODataRequest, ODataResponse, entity_response, no_content, not_found
from .paths import ActionPath, EntityPath, NavigationPath
from .payload import parse_json_object
from .ports import Domain, Executor, Store
from .query import Reader
from .reads import Reads
from .serialize import dumps
from .uri import QueryOptions


def _readonly(entity: type[Entity]) -> None:
    if getattr(entity, "__readonly__", False):
        raise MethodNotAllowed(f"{entity.__entity_set__} is read-only", headers={"Allow": "GET, HEAD"})


def _reject_read_options(options: QueryOptions) -> None:
    if options.filter is not None or options.orderby or options.top is not None or options.skip or options.count:
        raise BadRequest("$filter, $orderby, $top, $skip and $count do not apply to a write")


def _sent(entity: type[Entity], body: dict[str, Any]) -> set[str]:
    return {k for k in body if k in entity.properties}


class Writes:
    def __init__(
        self,
        schema: Schema,
        store: Store,
        domain: Domain,
        reads: Reads,
        executor: Callable[[Any], Executor],
        limits: Limits,
    ):
        self.schema = schema
        self.store = store
        self.domain = domain
        self.reads = reads
        self.reader: Reader = reads.reader
        self.executor = executor
        self.limits = limits

    async def create(
        self, req: ODataRequest, entity: type[Entity], options: QueryOptions, fixed: dict[str, Any] | None = None
    ) -> ODataResponse:
        _readonly(entity)
        _reject_read_options(options)
        body = parse_json_object(req.body, self.limits)
        for name, value in (fixed or {}).items():
            if name in body and body[name] != value:
                raise BadRequest(f"{name} is set by the URL ({value}); the body says {body[name]}", target=name)
            body[name] = value
        values = check_values(entity, body, CREATE)
        answer = self.domain.creation_answer(entity.__entity_set__)
        # Read back what was stored only when the answer shows it.
        plan = None if answer is not None or req.prefers_minimal else self.reads.written_plan(entity, options)
        item = None
        async with self.store.write() as conn:
            key = await self.domain.create(conn, entity, values, _sent(entity, body))
            if plan is not None:
                item = await self.reader.single(self.executor(conn), plan, key)
        location = f"{req.root}{entity.__entity_set__}({key})"
        if answer is not None:
            value = answer(key)
            return ODataResponse(
                201,
                dumps({"@odata.context": f"{req.root}$metadata#{value.type_name}", "value": value.value}),
                headers={"Location": location},
            )
        if req.prefers_minimal:
            return no_content({"Location": location, "OData-EntityId": location})
        return entity_response(req, entity, item or {}, options, 201, {"Location": location})

    async def create_related(self, req: ODataRequest, path: NavigationPath, options: QueryOptions) -> ODataResponse:
        async with self.store.reads() as ex:
            if not await self.reader.exists(ex, path.entity, path.key):
                raise not_found(path.entity, path.key)
        return await self.create(req, path.navigation.target, options, fixed={path.navigation.fk: path.key})

    async def update(self, req: ODataRequest, path: EntityPath, options: QueryOptions, merge: bool) -> ODataResponse:
        entity = path.entity
        _readonly(entity)
        _reject_read_options(options)
        body = parse_json_object(req.body, self.limits)
        values = check_values(entity, body, MERGE if merge else REPLACE, key=path.key)
        plan = None if req.prefers_minimal else self.reads.written_plan(entity, options)
        async with self.store.write() as conn:
            await self.domain.update(conn, entity, path.key, values, merge=merge, sent=_sent(entity, body))
            item = None if plan is None else await self.reader.single(self.executor(conn), plan, path.key)
        if plan is None:
            return no_content()
        return entity_response(req, entity, item or {}, options)

    async def delete(self, path: EntityPath) -> ODataResponse:
        _readonly(path.entity)
        async with self.store.write() as conn:
            await self.domain.delete(conn, path.entity, path.key)
        return no_content()

    async def action(self, req: ODataRequest, path: ActionPath, method: str) -> ODataResponse:
        entity = path.entity
        action = self.domain.bound_action(entity.__entity_set__, path.name)
        if action is None:
            raise NotFound(
                f"{entity.__entity_set__} has no property, navigation or action named {path.name!r}",
                target=path.name,
            )
        if method not in action.methods:
            raise MethodNotAllowed(
                f"{path.name} is called with {' or '.join(action.methods)}",
                headers={"Allow": ", ".join(action.methods)},
            )
        async with self.store.reads() as ex:
            if not await self.reader.exists(ex, entity, path.key):
                raise not_found(entity, path.key)
        params = parse_json_object(req.body, self.limits) if req.body.strip() else {}
        sent: set[str] = set()
        if action.creates:
            target = self.schema.entity(action.creates)
            sent = _sent(target, params)
            params = check_values(target, params, CREATE)
        item = None
        async with self.store.write() as conn:
            if not await self.reader.exists(self.executor(conn), entity, path.key):
                raise not_found(entity, path.key)
            created = await action.run(conn, entity, path.key, params, sent)
            if created is not None:
                made = self.schema.entity(created.entity_set)
                if not req.prefers_minimal:
                    plan = self.reads.written_plan(made, QueryOptions())
                    item = await self.reader.single(self.executor(conn), plan, created.key)
        if created is None:
            return ODataResponse(200, b"", None)
        location = f"{req.root}{created.entity_set}({created.key})"
        if req.prefers_minimal:
            return no_content({"Location": location, "OData-EntityId": location})
        return entity_response(req, made, item or {}, None, 201, {"Location": location})
