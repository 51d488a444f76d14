"""Configuration and method binding shared by the sync and async clients."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import httpx

from . import operations
from ._core import RetryPolicy, auth_headers, normalise_root
from ._transport import basic_authorization

USER_AGENT = "scolarite-client/0.1"


class ClientBase:
    """Service root, credentials, timeouts, retry policy and the size of the connection pool."""

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
        transport: Any = None,
        sleep: Callable[[float], Any] | None = None,
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
        if isinstance(auth, httpx.BasicAuth):
            self._headers_with_auth = {**self._headers, "Authorization": basic_authorization(user, password)}
        else:
            self._headers_with_auth = dict(self._headers)
        self.connections = connections
        if connections:
            self._http_kwargs["limits"] = pool_limits(connections)

    def __getitem__(self, entity_set: str) -> EntitySet:
        return EntitySet(self, entity_set)

    def set(self, entity_set: str) -> EntitySet:
        """The helpers of one entity set: ``client.set("Apprenant").get(12)`` (or ``client["Apprenant"]``)."""
        return EntitySet(self, entity_set)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.root!r})"


def pool_limits(connections: int) -> httpx.Limits:
    """A pool of ``connections`` kept open: as many as requests in flight, so none is closed after each answer
    and reopened for the next (httpx keeps 20 by default), and no more (every request checks each idle one)."""
    return httpx.Limits(max_connections=connections, max_keepalive_connections=connections)


class EntitySet:
    """``get/list/first/count/create/update/replace/patch/delete`` bound to one entity set (a coroutine for each
    with the async client)."""

    def __init__(self, client: Any, name: str):
        self.client, self.name = client, name

    def get(self, key, query=None):
        return self.client.get(self.name, key, query)

    def get_or_none(self, key, query=None):
        return self.client.get_or_none(self.name, key, query)

    def list(self, query=None, **kw):
        return self.client.all(self.name, query, **kw)

    all = list

    def iter_all(self, query=None):
        return self.client.iter_all(self.name, query)

    def first(self, query=None):
        return self.client.first(self.name, query)

    def count(self, query=None):
        return self.client.count(self.name, query)

    def create(self, body):
        return self.client.create(self.name, body)

    def update(self, key, changes, **kw):
        return self.client.update(self.name, key, changes, **kw)

    def replace(self, key, body, **kw):
        return self.client.replace(self.name, key, body, **kw)

    def patch(self, key, changes):
        return self.client.patch(self.name, key, changes)

    def delete(self, key):
        return self.client.delete(self.name, key)

    def __repr__(self) -> str:
        return f"EntitySet({self.name!r})"


def bind_operations(cls: type, wrap: Callable[[Callable], Callable]) -> type:
    """Give ``cls`` one method per operation of :data:`operations.PUBLIC`, made by ``wrap``."""
    for name in operations.PUBLIC:
        fn = getattr(operations, name)
        setattr(cls, name, functools.wraps(fn)(wrap(fn)))
    cls.list = cls.all
    return cls
