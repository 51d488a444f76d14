"""The application service: generic writes wrapped in per-entity event handlers.

Business rules live in small handlers registered on the service, in the manner
of SAP CAP::

    @service.before("CREATE", "Convention")
    async def first_state(ctx): ...

``before`` handlers check and complete ``ctx.data`` before it is written;
``after`` handlers run in the same transaction once the row exists (and may
create companions, such as an Inscription's Affaire).  Bound actions
(``POST /Convention/{Id}/SynchronisationAffaire``) are registered with
``service.action``.  Nothing here knows HTTP: handlers raise the errors of
``scolarite.errors``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from scolarite import hashing
from scolarite.errors import ConflictError, NotFoundError, ValidationError
from scolarite.schema import Entity, Schema
from scolarite.store.db import Database

CREATE, UPDATE, DELETE = "CREATE", "UPDATE", "DELETE"
Handler = Callable[["Context"], Awaitable[Any]]


@dataclass
class Context:
    event: str
    entity: type[Entity]
    conn: AsyncConnection
    service: Service
    data: dict[str, Any] = field(default_factory=dict)
    key: Any = None
    previous: dict[str, Any] | None = None
    sent: set[str] = field(default_factory=set)  # property names the client actually sent
    params: Any = None  # body of an action
    # Rows a handler has read, for the handlers after it (``(set, key) -> row``).
    seen: dict[tuple[str, Any], dict] = field(default_factory=dict)

    @property
    def db(self) -> Database:
        return self.service.db

    def changed(self, name: str) -> bool:
        return self.previous is None or self.previous.get(name) != self.data.get(name)


@dataclass
class Value:
    """A primitive answer (``{"@odata.context": "…$metadata#Edm.Guid", "value": …}``)."""

    type_name: str
    value: Any
    status: int = 200


@dataclass
class ReadContext:
    """A collection read a domain hook may narrow (``where``) or take options from.

    ``body`` is the JSON object sent with the read (a GET with a body, or a POST the
    hook recognised as a query); ``filter_text`` the raw ``$filter``: a hook that
    interprets it itself sets ``take_filter``.  ``key`` is set when the read
    addresses one entity (``on_read_entity``).
    """

    entity: type[Entity]
    conn: AsyncConnection
    service: Service
    body: dict[str, Any] | None = None
    filter_text: str | None = None
    key: Any = None
    where: list[Any] = field(default_factory=list)
    take_filter: bool = False
    custom: dict[str, str] = field(default_factory=dict)  # the request's custom (non-$) query options
    carry: list[tuple[str, str]] = field(default_factory=list)  # options the next page's link must keep


@dataclass
class ReadHook:
    handler: Callable[[ReadContext], Awaitable[Any]]
    post_when: Callable[[dict], bool] | None = None
    # Whether the hook has anything to do with a read's body and custom options;
    # when it has not, the read is an ordinary one (and may use a cached plan).
    when: Callable[[dict | None, dict[str, str]], bool] | None = None


@dataclass
class Listing:
    """An entity read answered with a collection (e.g. a folder's children)."""

    entity_set: str
    where: list[Any]


@dataclass
class Action:
    """A bound action: ``POST /{entity_set}/{Id}/{name}``.

    ``creates`` names the entity set whose declaration checks the body (the action
    then receives checked values in ``ctx.data``).  The handler returns a
    ``Created`` or ``None`` (200 with no body).
    """

    entity_set: str
    name: str
    handler: Handler
    methods: tuple[str, ...] = ("POST",)
    creates: str | None = None


@dataclass
class Created:
    """What an action created: the endpoint answers 201 with that entity."""

    entity_set: str
    key: Any


class Service:
    def __init__(self, schema: Schema, db: Database):
        self.schema = schema
        self.db = db
        self._handlers: dict[tuple[str, str, str], list[Handler]] = defaultdict(list)
        self.actions: dict[tuple[str, str], Action] = {}
        self.read_hooks: dict[str, ReadHook] = {}
        # How the creation of an entity set is answered, when not with the entity.
        self.create_answers: dict[str, Callable[[Any], Value]] = {}
        self.entity_read_hooks: dict[str, Callable[[ReadContext], Awaitable[Listing | None]]] = {}

    # -- registration ----------------------------------------------------------------------

    def _register(self, phase: str, event: str, sets: tuple[str, ...]):
        for name in sets:
            if self.schema.get(name) is None:
                raise ValueError(f"no entity set {name}")

        def decorator(fn: Handler) -> Handler:
            for name in sets:
                self._handlers[(phase, event, name)].append(fn)
            return fn

        return decorator

    def before(self, event: str, *sets: str):
        return self._register("before", event, sets)

    def after(self, event: str, *sets: str):
        return self._register("after", event, sets)

    def action(self, entity_set: str, name: str, methods: tuple[str, ...] = ("POST",), creates: str | None = None):
        def decorator(fn: Handler) -> Handler:
            self.actions[(entity_set, name)] = Action(entity_set, name, fn, methods, creates)
            return fn

        return decorator

    def on_read(
        self,
        entity_set: str,
        post_when: Callable[[dict], bool] | None = None,
        when: Callable[[dict | None, dict[str, str]], bool] | None = None,
    ):
        """Register a hook on collection reads of ``entity_set``; ``post_when`` tells
        which POST bodies are queries rather than creations, ``when`` which reads
        (by body and custom query options) the hook applies to (default: all)."""

        def decorator(fn):
            self.read_hooks[entity_set] = ReadHook(fn, post_when, when)
            return fn

        return decorator

    def on_read_entity(self, entity_set: str):
        """Register a hook on ``GET /{entity_set}/{key}``; returning a ``Listing``
        answers with a collection instead of the entity."""

        def decorator(fn):
            self.entity_read_hooks[entity_set] = fn
            return fn

        return decorator

    async def _run(self, phase: str, ctx: Context) -> None:
        for fn in self._handlers.get((phase, ctx.event, ctx.entity.__entity_set__), ()):
            await fn(ctx)

    # -- operations ------------------------------------------------------------------------

    async def create(
        self, conn: AsyncConnection, entity: type[Entity], data: dict[str, Any], sent: set[str] | None = None
    ) -> Any:
        ctx = Context(CREATE, entity, conn, self, data=data, sent=sent or set(data))
        await self._check_references(ctx)
        await self._run("before", ctx)
        await self._check_unique(ctx)
        await _protect_secrets(ctx)
        ctx.key = await self.db.insert(conn, entity, ctx.data)
        await self._run("after", ctx)
        return ctx.key

    async def update(
        self,
        conn: AsyncConnection,
        entity: type[Entity],
        key: Any,
        data: dict[str, Any],
        merge: bool,
        sent: set[str] | None = None,
    ) -> None:
        previous = await self.db.fetch(conn, entity, key, lock=True)
        if previous is None:
            raise NotFoundError(f"{entity.__entity_set__} {key} does not exist", target=entity.key.name)
        previous.pop(entity.key.name, None)
        if merge:
            data = {**previous, **data}
        ctx = Context(
            UPDATE,
            entity,
            conn,
            self,
            data=data,
            key=key,
            previous=previous,
            sent=sent if sent is not None else set(data),
        )
        await self._check_references(ctx)
        await self._run("before", ctx)
        await self._check_unique(ctx)
        await _protect_secrets(ctx)
        changes = {k: v for k, v in ctx.data.items() if previous.get(k) != v}
        await self.db.update(conn, entity, key, changes)
        await self._run("after", ctx)

    async def delete(self, conn: AsyncConnection, entity: type[Entity], key: Any) -> None:
        previous = await self.db.fetch(conn, entity, key, lock=True)
        if previous is None:
            raise NotFoundError(f"{entity.__entity_set__} {key} does not exist", target=entity.key.name)
        ctx = Context(DELETE, entity, conn, self, key=key, previous=previous)
        await self._run("before", ctx)
        await self.db.soft_delete(conn, entity, key)
        await self._run("after", ctx)

    async def _check_unique(self, ctx: Context) -> None:
        """Declared uniqueness (``__unique__``), checked to give a clear message; the
        database's unique index still decides under concurrency."""
        entity = ctx.entity
        for names, message in entity.unique_keys():
            values = tuple(ctx.data.get(name) for name in names)
            if any(v in (None, "", 0) for v in values) or (
                ctx.previous is not None and all(ctx.previous.get(n) == v for n, v in zip(names, values))
            ):
                continue
            key = names[0] if len(names) == 1 else names
            if await self.db.taken(ctx.conn, entity, key, values[0] if len(names) == 1 else values, exclude=ctx.key):
                text = message.format(value=values[0], **dict(zip(names, values)))
                error = ValidationError if key in entity.__unique_invalid__ else ConflictError
                raise error(text, target=names[-1])

    async def _check_references(self, ctx: Context) -> None:
        missing = await self.db.missing_references(ctx.conn, ctx.entity, ctx.data, ctx.previous)
        if not missing:
            return
        problems = [
            ValidationError(f"{name} {value} does not exist: no {target} has this Id", target=name)
            for name, value, target in missing
        ]
        if len(problems) == 1:
            raise problems[0]
        raise ValidationError("; ".join(p.message for p in problems), target=problems[0].target, details=problems)


async def _protect_secrets(ctx: Context) -> None:
    """Write-only properties (``secret=True``: ``User.Password``, ``Candidat.Password``) are stored only as an
    Argon2 hash of what the client sent.  A write that leaves one out, or sends null or "" (the null a GET
    shows, sent back by a full update), keeps the stored hash: a secret is changed only by sending a new one."""
    for name, prop in ctx.entity.properties.items():
        if not prop.secret:
            continue
        sent = ctx.data.get(name) if name in ctx.sent else None
        if isinstance(sent, str) and sent:
            ctx.data[name] = await hashing.hash_secret(sent)
        elif ctx.previous is not None:
            ctx.data[name] = ctx.previous.get(name)
        else:
            ctx.data[name] = None if prop.nullable else prop.default
