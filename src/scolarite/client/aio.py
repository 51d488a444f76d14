"""The asyncio GraphV1 client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import httpx

from . import operations
from ._base import ClientBase, bind_operations
from ._core import Operation, Request, Response, build, next_step, same_origin_url
from .errors import GraphV1Error
from .query import Query

T = TypeVar("T")


class AsyncGraphV1Client(ClientBase):
    """The same client as :class:`~scolarite.client.GraphV1Client` on ``httpx.AsyncClient``: every method is a
    coroutine::

        async with AsyncGraphV1Client(url, api_key=key) as api:
            learner = await api.get("Apprenant", 12)
    """

    def __init__(self, url: str, **kwargs: Any):
        super().__init__(url, **kwargs)
        self._sleep = self._sleep or asyncio.sleep
        self._http = httpx.AsyncClient(**self._http_kwargs)

    async def __aenter__(self) -> AsyncGraphV1Client:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def run(self, op: Operation[T]) -> T:
        """Run an operation (a generator of requests) to its result."""
        try:
            req = next(op)
            while True:
                try:
                    resp = await self._exchange(req)
                except GraphV1Error as exc:
                    req = op.throw(exc)
                else:
                    req = op.send(resp)
        except StopIteration as stop:
            return stop.value

    async def _exchange(self, req: Request) -> Response:
        if "://" in req.path:
            req.path = same_origin_url(self.root, req.path)
        attempt = 0
        while True:
            try:
                raw = await self._http.send(build(self._http, req))
            except httpx.TransportError as exc:
                answer, wait = next_step(self.retry, req, attempt, exc=exc)
            else:
                answer, wait = next_step(self.retry, req, attempt, response=raw)
            if answer is not None:
                return answer
            result = self._sleep(wait)
            if asyncio.iscoroutine(result):
                await result
            attempt += 1

    async def iter_all(self, entity_set: str, query: Query | None = None) -> AsyncIterator[dict]:
        """Every entity of a collection, page after page (following ``@odata.nextLink``)."""
        page = await self.run(operations.page(entity_set, query))
        for item in page.value:
            yield item
        while page.next_link:
            page = await self.run(operations.page(page.next_link))
            for item in page.value:
                yield item


def _wrap(fn):
    async def method(self, *args, **kwargs):
        return await self.run(fn(*args, **kwargs))
    return method


bind_operations(AsyncGraphV1Client, _wrap)
