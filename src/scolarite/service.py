"""The application service: generic writes wrapped in per-entity handlers, and the one place rules plug in.

Nothing here knows HTTP: handlers raise the errors of ``scolarite.errors``.  The extension
surface is the registration methods of ``Service``, in the manner of SAP CAP's
``srv.before('CREATE', 'Books', handler)``.  Each takes the function last and returns
it; ``before``, ``after``, ``on``, ``read_answer`` and ``action`` without the function
are decorators.  ``docs/extending.md`` shows each one at work.

``before(event, sets, handler)``
    ``event`` CREATE, UPDATE or DELETE (or several); ``sets`` one entity set or several.
    Runs before the write: checks and completes ``ctx.data`` (a ``Context``).
``after(event, sets, handler)``
    Runs in the same transaction once the row is written (and may write companions,
    such as an Inscription's Affaire): a failure rolls the whole request back.
``on(READ, entity_set, handler, post_when=None, when=None)``
    Takes part in a collection read (a ``ReadContext``): adds conditions to
    ``ctx.where``, takes the ``$filter`` for itself.  ``post_when(body)`` tells which
    POST bodies are queries, ``when(body, custom_options)`` which reads the hook is for.
``read_answer(entity_set, handler)``
    Answers ``GET /{entity_set}/{key}``: a ``Listing`` answers with a collection
    instead of the entity, None with the entity.
``create_answer(entity_set, answer)``
    How a creation is answered when not with the entity: ``answer(key)`` is a ``Value``.
``action(entity_set, name, handler, methods=("POST",), creates=None)``
    A bound action ``POST /{entity_set}/{Id}/{name}``; its handler returns a ``Created``
    (201 with that entity) or None (200).  ``creates``: the entity set whose declaration
    checks the body.
``visibility(entity_set, clause)``
    Which rows of the set exist at all for readers: ``clause(table)`` is ANDed into
    every read of the set, key look-ups included.

Handlers reach the database through their context (``ctx.fetch``, ``ctx.table``,
``ctx.conn``) and live rows through ``scolarite.store.live``.  The protocol layer reads
what was registered from ``read_hooks``, ``entity_read_hooks``, ``create_answers`` and
``actions``; visibility goes to ``Database.visibility``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from scolarite import hashing
from scolarite.errors import ConflictError, DomainError, NotFoundError, ValidationError
from scolarite.schema import Entity, Schema
from scolarite.store.db import Database

CREATE, UPDATE, DELETE = "CREATE", "UPDATE", "DELETE"
READ = "READ"
WRITES = (CREATE, UPDATE, DELETE)
Handler = Callable[["Context"], Awaitable[Any]]
ReadHandler = Callable[["ReadContext"], Awaitable[None]]
AnswerHandler = Callable[["ReadContext"], Awaitable["Listing | None"]]
Visibility = Callable[[sa.FromClause], Any]
Answer = Callable[[Any], "Value"]
PostWhen = Callable[[dict[str, Any]], bool]
When = Callable[[dict[str, Any] | None, dict[str, str]], bool]
H = TypeVar("H", bound=Handler)
R = TypeVar("R", bound=ReadHandler)
A = TypeVar("A", bound=AnswerHandler)
F = TypeVar("F", bound=Callable[..., Any])


class _Reach:
    """What a handler reaches through its context: the schema, the database, rows and tables by set name."""

    conn: AsyncConnection
    service: Service

    @property
    def db(self) -> Database:
        return self.service.db

    @property
    def schema(self) -> Schema:
        return self.service.schema

    def table(self, entity_set: str) -> sa.Table:
        return self.service.db.tables[entity_set]

    async def fetch(self, entity_set: str, key: Any, lock: bool = False) -> dict[str, Any] | None:
        """The live row of ``entity_set`` with this key (all properties), or None."""
        return await self.service.db.fetch(self.conn, self.service.schema.entity(entity_set), key, lock=lock)

    async def existing(self, entity_set: str, key: Any, lock: bool = False) -> dict[str, Any]:
        """A row that what ran before guarantees (a required, checked reference): an internal error otherwise."""
        row = await self.fetch(entity_set, key, lock=lock)
        if row is None:
            raise LookupError(f"{entity_set} {key} was expected to exist")
        return row


@dataclass
class Context(_Reach):
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
    seen: dict[tuple[str, Any], dict[str, Any]] = field(default_factory=dict)

    @property
    def stored(self) -> dict[str, Any]:
        """The row as stored before this update or delete (``previous``, which a creation has not)."""
        if self.previous is None:
            raise LookupError(f"a {self.event} of {self.entity.__entity_set__} has no stored row")
        return self.previous

    def changed(self, name: str) -> bool:
        return self.previous is None or self.previous.get(name) != self.data.get(name)


@dataclass
class Value:
    """A primitive answer (``{"@odata.context": "…$metadata#Edm.Guid", "value": …}``)."""

    type_name: str
    value: Any
    status: int = 200


@dataclass
class ReadContext(_Reach):
    """A collection read a domain hook may narrow (``where``) or take options from.

    ``body`` is the JSON object sent with the read (a GET with a body, or a POST the
    hook recognised as a query); ``filter_text`` the raw ``$filter``: a hook that
    interprets it itself sets ``take_filter``.  ``key`` is set when the read
    addresses one entity (``read_answer``).
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
    post_when: PostWhen | None = None
    # Whether the hook has anything to do with a read's body and custom options;
    # when it has not, the read is an ordinary one (and may use a cached plan).
    when: When | None = None


@dataclass
class Listing:
    """An entity read answered with a collection (e.g. a folder's children)."""

    entity_set: str
    where: list[Any]


@dataclass
class Action:
    """A bound action: ``POST /{entity_set}/{Id}/{name}`` (see ``Service.action``)."""

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


def _names(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _attach(fn: F | None, attach: Callable[[F], None]) -> Any:
    """``fn`` registered by ``attach`` and returned; without ``fn``, a decorator that does so."""

    def decorator(fn: F) -> F:
        attach(fn)
        return fn

    return decorator if fn is None else decorator(fn)


class Service:
    def __init__(self, schema: Schema, db: Database):
        self.schema = schema
        self.db = db
        self._handlers: dict[tuple[str, str, str], list[Handler]] = defaultdict(list)
        self.actions: dict[tuple[str, str], Action] = {}
        self.read_hooks: dict[str, ReadHook] = {}
        # How the creation of an entity set is answered, when not with the entity.
        self.create_answers: dict[str, Answer] = {}
        self.entity_read_hooks: dict[str, AnswerHandler] = {}

    # -- the extension surface (see the module's docstring) ---------------------------------

    @overload
    def before(self, event: str | Iterable[str], sets: str | Iterable[str]) -> Callable[[H], H]: ...
    @overload
    def before(self, event: str | Iterable[str], sets: str | Iterable[str], handler: H) -> H: ...
    def before(self, event: str | Iterable[str], sets: str | Iterable[str], handler: H | None = None) -> Any:
        """Run ``handler(ctx)`` before each ``event`` (CREATE, UPDATE, DELETE) of ``sets`` is written."""
        return _attach(handler, lambda fn: self._on_write("before", event, sets, fn))

    @overload
    def after(self, event: str | Iterable[str], sets: str | Iterable[str]) -> Callable[[H], H]: ...
    @overload
    def after(self, event: str | Iterable[str], sets: str | Iterable[str], handler: H) -> H: ...
    def after(self, event: str | Iterable[str], sets: str | Iterable[str], handler: H | None = None) -> Any:
        """Run ``handler(ctx)`` once each ``event`` of ``sets`` is written, in the same transaction."""
        return _attach(handler, lambda fn: self._on_write("after", event, sets, fn))

    @overload
    def on(
        self, event: str, entity_set: str, *, post_when: PostWhen | None = ..., when: When | None = ...
    ) -> Callable[[R], R]: ...
    @overload
    def on(
        self, event: str, entity_set: str, handler: R, *, post_when: PostWhen | None = ..., when: When | None = ...
    ) -> R: ...
    def on(
        self,
        event: str,
        entity_set: str,
        handler: R | None = None,
        *,
        post_when: PostWhen | None = None,
        when: When | None = None,
    ) -> Any:
        """``on(READ, set, handler)``: ``handler(ctx)`` takes part in the collection reads of ``set``."""
        if event != READ:
            raise ValueError(f"on() takes READ, not {event!r}: use before/after for writes, action for actions")
        self._check_sets(entity_set)

        def register(fn: R) -> None:
            self.read_hooks[entity_set] = ReadHook(fn, post_when, when)

        return _attach(handler, register)

    @overload
    def read_answer(self, entity_set: str) -> Callable[[A], A]: ...
    @overload
    def read_answer(self, entity_set: str, handler: A) -> A: ...
    def read_answer(self, entity_set: str, handler: A | None = None) -> Any:
        """``handler(ctx)`` answers ``GET /{entity_set}/{key}``: a ``Listing``, or None for the entity."""
        self._check_sets(entity_set)

        def register(fn: A) -> None:
            self.entity_read_hooks[entity_set] = fn

        return _attach(handler, register)

    def create_answer(self, entity_set: str, answer: Answer) -> Answer:
        """A creation of ``entity_set`` is answered with ``answer(key)`` (a ``Value``), not the entity."""
        self._check_sets(entity_set)
        self.create_answers[entity_set] = answer
        return answer

    @overload
    def action(
        self, entity_set: str, name: str, *, methods: tuple[str, ...] = ..., creates: str | None = None
    ) -> Callable[[H], H]: ...
    @overload
    def action(
        self, entity_set: str, name: str, handler: H, *, methods: tuple[str, ...] = ..., creates: str | None = None
    ) -> H: ...
    def action(
        self,
        entity_set: str,
        name: str,
        handler: H | None = None,
        *,
        methods: tuple[str, ...] = ("POST",),
        creates: str | None = None,
    ) -> Any:
        """``handler(ctx)`` runs ``POST /{entity_set}/{Id}/{name}``; ``creates``: the set that checks the body."""
        self._check_sets(entity_set, *([creates] if creates else []))

        def register(fn: H) -> None:
            self.actions[(entity_set, name)] = Action(entity_set, name, fn, methods, creates)

        return _attach(handler, register)

    def visibility(self, entity_set: str, clause: Visibility) -> Visibility:
        """Readers see only the rows of ``entity_set`` for which ``clause(table)`` holds."""
        self._check_sets(entity_set)
        self.db.visibility[entity_set] = clause
        return clause

    def _check_sets(self, *sets: str) -> None:
        for name in sets:
            if self.schema.get(name) is None:
                raise ValueError(f"no entity set {name}")

    def _on_write(self, phase: str, event: str | Iterable[str], sets: str | Iterable[str], fn: Handler) -> None:
        events, names = _names(event), _names(sets)
        for name in events:
            if name not in WRITES:
                raise ValueError(f"{phase}() takes CREATE, UPDATE or DELETE, not {name!r}")
        self._check_sets(*names)
        for event_name in events:
            for name in names:
                self._handlers[(phase, event_name, name)].append(fn)

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
                ctx.previous is not None and all(ctx.previous.get(n) == v for n, v in zip(names, values, strict=True))
            ):
                continue
            key = names[0] if len(names) == 1 else names
            if await self.db.taken(ctx.conn, entity, key, values[0] if len(names) == 1 else values, exclude=ctx.key):
                text = message.format(value=values[0], **dict(zip(names, values, strict=True)))
                error = ValidationError if key in entity.__unique_invalid__ else ConflictError
                raise error(text, target=names[-1])

    async def _check_references(self, ctx: Context) -> None:
        missing = await self.db.missing_references(ctx.conn, ctx.entity, ctx.data, ctx.previous)
        if not missing:
            return
        problems: list[DomainError] = [
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
