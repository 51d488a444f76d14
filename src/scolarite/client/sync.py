"""The blocking GraphV1 client."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, TypeVar

import httpx

from . import operations
from ._base import ClientBase
from ._core import Entity, Operation, Parallel, Request, Response, build, next_step, same_origin_url
from .errors import GraphV1Error
from .query import Query

T = TypeVar("T")


class GraphV1Client(ClientBase):
    """A GraphV1 client on ``httpx.Client``::

        with GraphV1Client("http://127.0.0.1:8000/GraphV1/", user="demo", password="demo") as api:
            api.get("Apprenant", 12)
            api.all("Programme", Query().filter(eq("Code", "PGE")))
            api.create("Mail", {"Adresse": "jean.dupont@ecole.fr"})

    Every operation of :mod:`scolarite.client.operations` is a method; :meth:`run` runs any other
    operation (a workflow, say).  Errors are :class:`~scolarite.client.errors.ODataError` subclasses.
    """

    def __init__(self, url: str, **kwargs: Any):
        super().__init__(url, **kwargs)
        self._http = httpx.Client(**self._http_kwargs)

    def __enter__(self) -> GraphV1Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def run(self, op: Operation[T]) -> T:
        """Run an operation (a generator of requests) to its result."""
        try:
            req = next(op)
            while True:
                if isinstance(req, Parallel):
                    req = op.send([self._outcome(o) for o in req.operations])
                    continue
                try:
                    resp = self._exchange(req)
                except GraphV1Error as exc:
                    req = op.throw(exc)
                else:
                    req = op.send(resp)
        except StopIteration as stop:
            result: T = stop.value
            return result

    def _outcome(self, op: Operation[T]) -> T | Exception:
        """One of a :class:`Parallel`'s operations (run in turn here): its result, or what it raised."""
        try:
            return self.run(op)
        except Exception as exc:
            return exc

    def _exchange(self, req: Request) -> Response:
        if "://" in req.path:
            req.path = same_origin_url(self.root, req.path)
        attempt = 0
        while True:
            try:
                raw = self._http.send(build(self._http, req))
            except httpx.TransportError as exc:
                step = next_step(self.retry, req, attempt, exc=exc)
            else:
                step = next_step(self.retry, req, attempt, response=raw)
            if isinstance(step, Response):
                return step
            (self._sleep or time.sleep)(step)
            attempt += 1

    def iter_all(self, entity_set: str, query: Query | None = None) -> Iterator[Entity]:
        """Every entity of a collection, page after page (following ``@odata.nextLink``)."""
        page = self.run(operations.page(entity_set, query))
        yield from page.value
        while page.next_link:
            page = self.run(operations.page(page.next_link))
            yield from page.value
