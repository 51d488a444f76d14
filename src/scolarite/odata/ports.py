"""What the protocol layer needs from the rest of the system, as protocols.

``odata/`` imports nothing of the domain or the store: the composition root
(``scolarite.api.app``) hands the endpoint a ``Store`` (the database), an
``Executor`` factory and a ``Domain`` (the service, adapted by
``scolarite.api.domain``).  Anything that has these methods and attributes will
do, which is also what lets a test drive the endpoint with a fake.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import sqlalchemy as sa

from scolarite.schema import Entity


class Executor(Protocol):
    """Runs a compiled read (SQL text and positional parameters) and returns its rows."""

    async def fetch(self, sql: str, params: tuple[Any, ...]) -> Sequence[Sequence[Any]]: ...


class Storage(Protocol):
    """What the query compiler needs to know of the database."""

    def table(self, entity: type[Entity]) -> sa.Table: ...

    def condition(self, entity: type[Entity], table: sa.FromClause, domain: bool = True) -> sa.ColumnElement[bool]:
        """Rows of ``entity`` a reader may see: not deleted and, unless ``domain`` is
        false, allowed by the domain's visibility rules."""
        ...


class Store(Storage, Protocol):
    """The database as the endpoint uses it: reads, executors of compiled reads,
    and write transactions (committed when the block ends without an error)."""

    def read(self, single: bool = False) -> AbstractAsyncContextManager[Any]: ...

    def reads(self, snapshot: bool = False) -> AbstractAsyncContextManager[Executor]: ...

    def write(self) -> AbstractAsyncContextManager[Any]: ...


class Narrowing(Protocol):
    """What a collection hook made of a read: extra conditions, whether it took the
    ``$filter`` for itself, and the options the next page's link must keep."""

    where: list[Any]
    take_filter: bool
    carry: list[tuple[str, str]]


class CollectionHook(Protocol):
    """A domain hook on the reads of a collection (e.g. a folder listing by path)."""

    @property
    def post_when(self) -> Callable[[dict[str, Any]], bool] | None:
        """Which POST bodies are queries rather than creations (None: none)."""
        ...

    @property
    def when(self) -> Callable[[dict[str, Any] | None, dict[str, str]], bool] | None:
        """Whether the hook has anything to do with a read's body and custom options."""
        ...

    async def narrow(
        self,
        conn: Any,
        entity: type[Entity],
        body: dict[str, Any] | None,
        filter_text: str | None,
        custom: dict[str, str],
    ) -> Narrowing: ...


class Listing(Protocol):
    """An entity read answered with a collection of another set."""

    entity_set: str
    where: list[Any]


class EntityHook(Protocol):
    async def __call__(self, conn: Any, entity: type[Entity], key: Any) -> Listing | None: ...


class PrimitiveValue(Protocol):
    """A creation answered with a primitive (``$metadata#Edm.Guid``) instead of the entity."""

    type_name: str
    value: Any


class CreatedRef(Protocol):
    """What an action created: answered 201 with that entity."""

    entity_set: str
    key: Any


class BoundAction(Protocol):
    """``POST /{set}/{key}/{name}``: ``creates`` names the set whose declaration checks the body."""

    @property
    def methods(self) -> tuple[str, ...]: ...

    @property
    def creates(self) -> str | None: ...

    async def run(
        self, conn: Any, entity: type[Entity], key: Any, params: dict[str, Any], sent: set[str]
    ) -> CreatedRef | None: ...


class Domain(Protocol):
    """The service: writes through its rules, and the hooks it declares."""

    async def create(self, conn: Any, entity: type[Entity], values: dict[str, Any], sent: set[str]) -> Any: ...

    async def update(
        self, conn: Any, entity: type[Entity], key: Any, values: dict[str, Any], *, merge: bool, sent: set[str]
    ) -> None: ...

    async def delete(self, conn: Any, entity: type[Entity], key: Any) -> None: ...

    def collection_hook(self, entity_set: str) -> CollectionHook | None: ...

    def entity_hook(self, entity_set: str) -> EntityHook | None: ...

    def creation_answer(self, entity_set: str) -> Callable[[Any], PrimitiveValue] | None: ...

    def bound_action(self, entity_set: str, name: str) -> BoundAction | None: ...
