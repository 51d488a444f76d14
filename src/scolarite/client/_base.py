"""What the sync and async clients share: their configuration, and the operations as typed methods.

Every operation of :mod:`~scolarite.client.operations` is declared once here as a :class:`Method`:
``client.get("Mail", 3)`` runs ``operations.get("Mail", 3)`` with the client's :meth:`run`, and its type
follows that ``run``: the result with :class:`~scolarite.client.GraphV1Client`, a coroutine of it with
:class:`~scolarite.client.AsyncGraphV1Client`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from types import MethodType
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, Self, TypeVar, overload

import httpx

from . import operations
from ._core import Operation, RetryPolicy, auth_headers, normalise_root
from ._transport import basic_authorization
from .query import Query

USER_AGENT = "scolarite-client/0.1"

P = ParamSpec("P")
T = TypeVar("T")
It = TypeVar("It")  # what ``iter_all`` returns: an iterator, or an async one
It_co = TypeVar("It_co", covariant=True)
C_co = TypeVar("C_co", covariant=True)


class SyncRunner(Protocol):
    """A client whose :meth:`run` blocks until the operation's result."""

    def run(self, op: Operation[T]) -> T: ...


class AsyncRunner(Protocol):
    """A client whose :meth:`run` is a coroutine of the operation's result."""

    def run(self, op: Operation[T]) -> Coroutine[Any, Any, T]: ...


class Pages(Protocol[It_co]):
    """A client with ``iter_all``: an iterator of a collection's entities, or an async one."""

    def iter_all(self, entity_set: str, query: Query | None = None) -> It_co: ...


#: A method of the sync client, and of the async one.
BlockingMethod = Callable[P, T]
AsyncMethod = Callable[P, Coroutine[Any, Any, T]]


class Method(Generic[P, T]):
    """An operation as a method of both clients, with the operation's parameters and documentation."""

    def __init__(self, operation: Callable[P, Operation[T]]) -> None:
        self.operation = operation
        self.__doc__ = operation.__doc__
        self._blocking = _blocking(operation)
        self._awaited = _awaited(operation)

    @overload
    def __get__(self, client: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, client: SyncRunner, owner: type[Any]) -> BlockingMethod[P, T]: ...
    @overload
    def __get__(self, client: AsyncRunner, owner: type[Any]) -> AsyncMethod[P, T]: ...
    def __get__(self, client: object, owner: type[Any]) -> Self | BlockingMethod[P, T] | AsyncMethod[P, T]:
        """A method bound to ``client``: an ``async def`` one when its ``run`` is a coroutine (as the methods
        written by hand would be)."""
        if client is None:
            return self
        return MethodType(self._awaited if inspect.iscoroutinefunction(owner.run) else self._blocking, client)


def _blocking(operation: Callable[P, Operation[T]]) -> Callable[Concatenate[SyncRunner, P], T]:
    """The function of the sync client's method: it runs the operation to its result."""

    @functools.wraps(operation)
    def method(self: SyncRunner, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self.run(operation(*args, **kwargs))

    return method


def _awaited(operation: Callable[P, Operation[T]]) -> Callable[Concatenate[AsyncRunner, P], Coroutine[Any, Any, T]]:
    """The function of the async client's method: a coroutine, as a method written ``async def`` would be."""

    @functools.wraps(operation)
    async def method(self: AsyncRunner, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self.run(operation(*args, **kwargs))

    return method


class ClientBase:
    """Service root, credentials, timeouts, retry policy and the size of the connection pool; and every operation
    of :mod:`~scolarite.client.operations` as a method (see the module's documentation)."""

    def __init__(
        self,
        url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], object] | None = None,
        connections: int | None = None,
    ):
        self.root = normalise_root(url)
        auth, extra = auth_headers(user, password, api_key)
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self._sleep = sleep
        self._headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **extra, **(headers or {})}
        self._http_kwargs: dict[str, Any] = {
            "base_url": self.root,
            "auth": auth,
            "timeout": timeout,
            "transport": transport,
            "headers": self._headers,
        }
        if user and isinstance(auth, httpx.BasicAuth):
            self._headers_with_auth = {**self._headers, "Authorization": basic_authorization(user, password)}
        else:
            self._headers_with_auth = dict(self._headers)
        self.connections = connections
        if connections:
            self._http_kwargs["limits"] = pool_limits(connections)

    def __getitem__(self, entity_set: str) -> EntitySet[Self]:
        return EntitySet(self, entity_set)

    def set(self, entity_set: str) -> EntitySet[Self]:
        """The helpers of one entity set: ``client.set("Apprenant").get(12)`` (or ``client["Apprenant"]``)."""
        return EntitySet(self, entity_set)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.root!r})"

    # The operations (operations.PUBLIC), in its order; ``list`` is ``all``.
    request = Method(operations.request)
    get = Method(operations.get)
    get_or_none = Method(operations.get_or_none)
    page = Method(operations.page)
    all = Method(operations.all)
    first = Method(operations.first)
    count = Method(operations.count)
    create = Method(operations.create)
    parallel = Method(operations.parallel)
    replace = Method(operations.replace)
    update = Method(operations.update)
    patch = Method(operations.patch)
    delete = Method(operations.delete)
    navigation = Method(operations.navigation)
    action = Method(operations.action)
    learners_by_email = Method(operations.learners_by_email)
    learners_by_emails = Method(operations.learners_by_emails)
    mails_by_address = Method(operations.mails_by_address)
    create_client_for_learner = Method(operations.create_client_for_learner)
    create_client_for_candidate = Method(operations.create_client_for_candidate)
    clients_of = Method(operations.clients_of)
    synchronise_affaire = Method(operations.synchronise_affaire)
    parcours_periods = Method(operations.parcours_periods)
    inscription_periods = Method(operations.inscription_periods)
    eligible_sequences = Method(operations.eligible_sequences)
    list = all  # last: in the class body, ``list`` is this method from here on


def pool_limits(connections: int) -> httpx.Limits:
    """A pool of ``connections`` kept open: as many as requests in flight, so none is closed after each answer
    and reopened for the next (httpx keeps 20 by default), and no more (every request checks each idle one)."""
    return httpx.Limits(max_connections=connections, max_keepalive_connections=connections)


class SetMethod(Generic[P, T]):
    """An operation on one entity set: ``client["Mail"].get(3)`` is ``client.get("Mail", 3)``."""

    def __init__(self, operation: Callable[Concatenate[str, P], Operation[T]]) -> None:
        self.operation = operation
        self.__doc__ = operation.__doc__
        self._function = _on_entity_set(operation)

    @overload
    def __get__(self, entity_set: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, entity_set: EntitySet[SyncRunner], owner: type[Any]) -> BlockingMethod[P, T]: ...
    @overload
    def __get__(self, entity_set: EntitySet[AsyncRunner], owner: type[Any]) -> AsyncMethod[P, T]: ...
    def __get__(
        self, entity_set: EntitySet[SyncRunner | AsyncRunner] | None, owner: type[Any]
    ) -> Self | BlockingMethod[P, T] | AsyncMethod[P, T]:
        if entity_set is None:
            return self
        return MethodType(self._function, entity_set)


def _on_entity_set(
    operation: Callable[Concatenate[str, P], Operation[T]],
) -> Callable[Concatenate[EntitySet[SyncRunner | AsyncRunner], P], T | Coroutine[Any, Any, T]]:
    @functools.wraps(operation)
    def method(
        self: EntitySet[SyncRunner | AsyncRunner], /, *args: P.args, **kwargs: P.kwargs
    ) -> T | Coroutine[Any, Any, T]:
        return self.client.run(operation(self.name, *args, **kwargs))

    return method


class EntitySet(Generic[C_co]):
    """``get/list/first/count/create/update/replace/patch/delete`` bound to one entity set (a coroutine for each
    with the async client)."""

    def __init__(self, client: C_co, name: str):
        self.client, self.name = client, name

    get = SetMethod(operations.get)
    get_or_none = SetMethod(operations.get_or_none)
    all = SetMethod(operations.all)
    first = SetMethod(operations.first)
    count = SetMethod(operations.count)
    create = SetMethod(operations.create)
    update = SetMethod(operations.update)
    replace = SetMethod(operations.replace)
    patch = SetMethod(operations.patch)
    delete = SetMethod(operations.delete)

    def iter_all(self: EntitySet[Pages[It]], query: Query | None = None) -> It:
        return self.client.iter_all(self.name, query)

    def __repr__(self) -> str:
        return f"EntitySet({self.name!r})"

    list = all  # last: in the class body, ``list`` is this method from here on
