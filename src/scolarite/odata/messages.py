"""The request and response the endpoint speaks, and the small answers every kind
of resource shares (an entity, a 404, a refused method).  The web framework only
adapts to and from ``ODataRequest`` and ``ODataResponse``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scolarite.schema import Entity

from .errors import MethodNotAllowed, NotAcceptable, NotFound, ODataError
from .serialize import context_url, dumps
from .uri import QueryOptions

JSON = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
BASE_HEADERS = {"OData-Version": "4.0"}


@dataclass
class ODataRequest:
    method: str
    path: str
    query: str
    root: str  # absolute URL of the service root, ending with "/"
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    user: Any = None

    @property
    def prefers_minimal(self) -> bool:
        return "return=minimal" in self.headers.get("prefer", "").replace(" ", "").lower()


@dataclass
class ODataResponse:
    status: int
    body: bytes = b""
    content_type: str | None = JSON
    headers: dict[str, str] = field(default_factory=dict)


def no_content(headers: dict[str, str] | None = None) -> ODataResponse:
    return ODataResponse(204, b"", None, headers or {})


def error_response(error: ODataError) -> ODataResponse:
    return ODataResponse(error.status, dumps(error.body()), JSON, {**BASE_HEADERS, **error.headers})


def entity_response(
    req: ODataRequest,
    entity: type[Entity],
    item: dict[str, Any],
    options: QueryOptions | None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> ODataResponse:
    body = {"@odata.context": context_url(req.root, entity.__entity_set__, options, entity=True), **item}
    return ODataResponse(status, dumps(body), headers=headers or {})


def not_found(entity: type[Entity], key: Any) -> NotFound:
    return NotFound(f"{entity.__entity_set__} {key} does not exist", target=entity.key.name)


def allow(method: str, allowed: tuple[str, ...], what: str) -> None:
    if method not in allowed:
        raise MethodNotAllowed(
            f"{method} is not allowed on {what}; allowed: {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )


def check_format(options: QueryOptions) -> None:
    fmt = (options.format or "").lower()
    if fmt and fmt != "json" and not fmt.startswith("application/json"):
        raise NotAcceptable(f"$format={options.format} is not supported; use $format=json", target="$format")
