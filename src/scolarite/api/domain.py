"""The service as the protocol layer sees it (``scolarite.odata.ports.Domain``).

``odata/`` knows nothing of the service's contexts and hooks; this adapter, in
the composition root, builds them: a collection hook gets a ``ReadContext``, an
action a ``Context``.  Wrappers are made once per entity set and kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scolarite.schema import Entity
from scolarite.service import Action, Context, Created, Listing, ReadContext, ReadHook, Service, Value


class _CollectionHook:
    __slots__ = ("hook", "service")

    def __init__(self, service: Service, hook: ReadHook):
        self.service = service
        self.hook = hook

    @property
    def post_when(self) -> Callable[[dict[str, Any]], bool] | None:
        return self.hook.post_when

    @property
    def when(self) -> Callable[[dict[str, Any] | None, dict[str, str]], bool] | None:
        return self.hook.when

    async def narrow(
        self,
        conn: Any,
        entity: type[Entity],
        body: dict[str, Any] | None,
        filter_text: str | None,
        custom: dict[str, str],
    ) -> ReadContext:
        ctx = ReadContext(entity, conn, self.service, body=body, filter_text=filter_text, custom=custom)
        await self.hook.handler(ctx)
        return ctx


class _EntityHook:
    __slots__ = ("hook", "service")

    def __init__(self, service: Service, hook: Callable[[ReadContext], Any]):
        self.service = service
        self.hook = hook

    async def __call__(self, conn: Any, entity: type[Entity], key: Any) -> Listing | None:
        listing = await self.hook(ReadContext(entity, conn, self.service, key=key))
        return listing if isinstance(listing, Listing) else None


class _BoundAction:
    __slots__ = ("action", "service")

    def __init__(self, service: Service, action: Action):
        self.service = service
        self.action = action

    @property
    def methods(self) -> tuple[str, ...]:
        return self.action.methods

    @property
    def creates(self) -> str | None:
        return self.action.creates

    async def run(
        self, conn: Any, entity: type[Entity], key: Any, params: dict[str, Any], sent: set[str]
    ) -> Created | None:
        ctx = Context("ACTION", entity, conn, self.service, data=params, key=key, sent=sent, params=params)
        result = await self.action.handler(ctx)
        return result if isinstance(result, Created) else None


class ServiceDomain:
    """Implements ``odata.ports.Domain`` over a ``Service``."""

    def __init__(self, service: Service):
        self.service = service
        self._collection: dict[str, _CollectionHook | None] = {}
        self._entity: dict[str, _EntityHook | None] = {}
        self._actions: dict[tuple[str, str], _BoundAction | None] = {}

    async def create(self, conn: Any, entity: type[Entity], values: dict[str, Any], sent: set[str]) -> Any:
        return await self.service.create(conn, entity, values, sent)

    async def update(
        self, conn: Any, entity: type[Entity], key: Any, values: dict[str, Any], *, merge: bool, sent: set[str]
    ) -> None:
        await self.service.update(conn, entity, key, values, merge=merge, sent=sent)

    async def delete(self, conn: Any, entity: type[Entity], key: Any) -> None:
        await self.service.delete(conn, entity, key)

    def collection_hook(self, entity_set: str) -> _CollectionHook | None:
        try:
            return self._collection[entity_set]
        except KeyError:
            hook = self.service.read_hooks.get(entity_set)
            made = self._collection[entity_set] = None if hook is None else _CollectionHook(self.service, hook)
            return made

    def entity_hook(self, entity_set: str) -> _EntityHook | None:
        try:
            return self._entity[entity_set]
        except KeyError:
            hook = self.service.entity_read_hooks.get(entity_set)
            made = self._entity[entity_set] = None if hook is None else _EntityHook(self.service, hook)
            return made

    def creation_answer(self, entity_set: str) -> Callable[[Any], Value] | None:
        return self.service.create_answers.get(entity_set)

    def bound_action(self, entity_set: str, name: str) -> _BoundAction | None:
        key = (entity_set, name)
        try:
            return self._actions[key]
        except KeyError:
            action = self.service.actions.get(key)
            made = self._actions[key] = None if action is None else _BoundAction(self.service, action)
            return made
