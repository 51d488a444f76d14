"""The asyncio GraphV1 client."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import httpx

from . import operations
from ._base import ClientBase
from ._core import Entity, Operation, Parallel, Request, Response, build, next_step, same_origin_url
from ._transport import LeanHTTP, lean_fits
from .errors import GraphV1Error
from .query import Query

T = TypeVar("T")


def _remember_missing_sniffio() -> None:
    """httpcore runs ``import sniffio`` several times per request; when sniffio is not installed (anyio 4 no
    longer needs it) each of those failed imports searches ``sys.path`` again, about 0.1 ms each, a fifth of the
    importer's CPU.  Record the absence once so that the import fails at once, as it would anyway."""
    try:
        import sniffio  # noqa: F401
    except ImportError:
        # None in sys.modules is the documented "import fails at once" (typeshed types the values as modules only)
        sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


_remember_missing_sniffio()


class AsyncGraphV1Client(ClientBase):
    """The same client as :class:`~scolarite.client.GraphV1Client`, every method a coroutine, on
    ``httpx.AsyncClient`` (on its own lean HTTP/1.1 for a plain ``http://`` service)::

        async with AsyncGraphV1Client(url, api_key=key) as api:
            learner = await api.get("Apprenant", 12)
    """

    def __init__(self, url: str, **kwargs: Any):
        super().__init__(url, **kwargs)
        self._http = httpx.AsyncClient(**self._http_kwargs)
        self._lean = self._lean_http()

    def _lean_http(self) -> LeanHTTP | None:
        """Our own HTTP for a plain-HTTP service (a third of httpx's CPU per request, see ``_transport``); httpx for
        TLS, proxies and a transport given by the caller."""
        if self._http_kwargs["transport"] is not None or not lean_fits(self.root):
            return None
        return LeanHTTP(self.root, self._headers_with_auth, self.timeout, self.connections or 100)

    async def __aenter__(self) -> AsyncGraphV1Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._lean is not None:
            await self._lean.aclose()
        await self._http.aclose()

    async def run(self, op: Operation[T]) -> T:
        """Run an operation (a generator of requests) to its result."""
        try:
            req = next(op)
            while True:
                if isinstance(req, Parallel):
                    req = op.send(await asyncio.gather(*(self._outcome(o) for o in req.operations)))
                    continue
                try:
                    resp = await self._exchange(req)
                except GraphV1Error as exc:
                    req = op.throw(exc)
                else:
                    req = op.send(resp)
        except StopIteration as stop:
            result: T = stop.value
            return result

    async def _outcome(self, op: Operation[T]) -> T | Exception:
        """One of a :class:`Parallel`'s operations: its result, or what it raised (the others go on)."""
        try:
            return await self.run(op)
        except Exception as exc:
            return exc

    async def _exchange(self, req: Request) -> Response:
        if "://" in req.path:
            req.path = same_origin_url(self.root, req.path)
        attempt = 0
        while True:
            try:
                raw = await (
                    self._lean.send(req) if self._lean is not None else self._http.send(build(self._http, req))
                )
            except httpx.TransportError as exc:
                step = next_step(self.retry, req, attempt, exc=exc)
            else:
                step = next_step(self.retry, req, attempt, response=raw)
            if isinstance(step, Response):
                return step
            slept = (self._sleep or asyncio.sleep)(step)
            if asyncio.iscoroutine(slept):
                await slept
            attempt += 1

    async def iter_all(self, entity_set: str, query: Query | None = None) -> AsyncIterator[Entity]:
        """Every entity of a collection, page after page (following ``@odata.nextLink``)."""
        page = await self.run(operations.page(entity_set, query))
        for item in page.value:
            yield item
        while page.next_link:
            page = await self.run(operations.page(page.next_link))
            for item in page.value:
                yield item
