"""What the sync and async clients share: requests as plain values, the parsing of
answers, authentication, and the retry policy.  The two clients only move bytes.

Operations (``operations.py``) are generators that ``yield`` :class:`Request` values
and receive :class:`Response` values (or have the :class:`ODataError` thrown in):
the sync client drives them with blocking I/O, the async client with ``await``.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from . import errors

T = TypeVar("T")

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_NO_BODY = object()


@dataclass
class Request:
    """One HTTP exchange with the service, relative to its root (or an absolute URL, for ``@odata.nextLink``)."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    json: Any = _NO_BODY
    headers: dict[str, str] = field(default_factory=dict)
    expect_body: bool = True

    @property
    def idempotent(self) -> bool:
        return self.method.upper() in IDEMPOTENT

    def describe(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    body: Any
    text: str
    url: str


@dataclass
class Parallel:
    """Operations that do not depend on each other, yielded together so that the async client runs them at the
    same time (the sync one runs them in order).  What comes back is the list of their outcomes, in order: each
    one's result, or the exception it raised (every one runs to its end, so none is left half-done)."""

    operations: list[Operation[Any]]


#: A call of the service written without I/O: it yields requests, is sent their answers, returns its result.
Operation = Generator[Request | Parallel, Any, T]

#: A JSON object of the service (an entity, or the answer of an action).
Entity = dict[str, Any]


def key_segment(key: Any) -> str:
    """The key as a path segment: ``/Set/123`` (documented style), GUIDs as they are."""
    if isinstance(key, bool) or key is None:
        raise ValueError(f"not a key: {key!r}")
    text = str(key)
    if not text or "/" in text:
        raise ValueError(f"not a key: {key!r}")
    return quote(text, safe="-")


def set_path(entity_set: str) -> str:
    if not entity_set or not entity_set.replace("_", "a").isalnum():
        raise ValueError(f"not an entity set name: {entity_set!r}")
    return entity_set


def entity_path(entity_set: str, key: Any, *rest: str) -> str:
    return "/".join([set_path(entity_set), key_segment(key), *rest])


# --------------------------------------------------------------------------------------------- HTTP


def normalise_root(url: str) -> str:
    url = url.strip()
    if not url:
        raise ValueError("the service URL is empty")
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    p = parts.path.rstrip("/")
    if not p.endswith("/GraphV1") and not p.lower().endswith("/graphv1"):
        p = p + "/GraphV1"
    return urlunsplit((parts.scheme, parts.netloc, p + "/", "", ""))


def auth_headers(user: str | None, password: str | None, api_key: str | None) -> tuple[Any, dict[str, str]]:
    """``(httpx auth, extra headers)``: an API key wins over a login."""
    if api_key:
        return None, {"X-ApiKey": api_key}
    if user:
        return httpx.BasicAuth(user, password or ""), {}
    return None, {}


def same_origin_url(root: str, url: str) -> str:
    """``url`` (an ``@odata.nextLink``) moved onto the origin of ``root`` when it names another one, so
    credentials never leave for another host (a proxy's public name, say)."""
    target, base = urlsplit(url), urlsplit(root)
    if not target.scheme:
        return url
    if (target.scheme, target.netloc) == (base.scheme, base.netloc):
        return url
    return urlunsplit((base.scheme, base.netloc, target.path, target.query, target.fragment))


def build(http: httpx.Client | httpx.AsyncClient, req: Request) -> httpx.Request:
    kwargs: dict[str, Any] = {"params": req.params or None, "headers": req.headers or None}
    if req.json is not _NO_BODY:
        kwargs["json"] = req.json
    return http.build_request(req.method, req.path, **kwargs)


class RawResponse(Protocol):
    """What :func:`parse` reads of an HTTP answer: an ``httpx.Response``, or the async client's own
    :class:`~scolarite.client._transport.LeanResponse`."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...
    @property
    def url(self) -> object: ...
    def json(self) -> Any: ...


def parse(req: Request, resp: RawResponse) -> Response:
    """The answer, or the :class:`ODataError` for an error status."""
    text = resp.text
    body: Any = None
    if text and "json" in resp.headers.get("content-type", "json"):
        try:
            body = resp.json()
        except ValueError:
            body = None
    if resp.status_code >= 400:
        raise errors.from_response(
            resp.status_code, body, text, method=req.method, url=str(resp.url), headers=dict(resp.headers)
        )
    return Response(resp.status_code, resp.headers, body, text, str(resp.url))


def transport_failure(req: Request, exc: Exception, url: str) -> errors.TransportFailure:
    sent = not _never_sent(exc)
    what = type(exc).__name__
    detail = str(exc) or what
    return errors.TransportFailure(
        f"cannot reach the service ({what}: {detail})", method=req.method, url=url, may_have_been_applied=sent
    )


def _never_sent(exc: Exception) -> bool:
    """True when the request certainly never left: the connection was never opened."""
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


# -------------------------------------------------------------------------------------------- retry


@dataclass
class RetryPolicy:
    """Retries with exponential backoff (and jitter), honouring ``Retry-After``.

    * A request that certainly never left (the connection could not be opened) is
      retried whatever its method.
    * Any other connection failure (read timeout, connection reset…) and the
      statuses of ``statuses`` (429, 503) are retried **only for idempotent
      methods** (GET, HEAD, PUT, DELETE, OPTIONS): a POST or PATCH that may have
      been applied is never sent twice.
    """

    retries: int = 4
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    statuses: frozenset[int] = frozenset({429, 503})
    jitter: float = 0.1

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        wait = min(self.max_backoff, self.backoff * 2.0**attempt)
        wait += wait * self.jitter * random.random()
        hinted = parse_retry_after(retry_after)
        if hinted is not None:
            wait = min(max(hinted, 0.0), self.max_retry_after)
        return wait

    def after_response(self, req: Request, status: int, headers: Mapping[str, str], attempt: int) -> float | None:
        """Seconds to wait before trying again, or ``None`` to stop."""
        if attempt >= self.retries or status not in self.statuses or not req.idempotent:
            return None
        return self.delay(attempt, headers.get("retry-after"))

    def after_exception(self, req: Request, exc: Exception, attempt: int) -> float | None:
        if attempt >= self.retries or not isinstance(exc, httpx.TransportError):
            return None
        if _never_sent(exc) or req.idempotent:
            return self.delay(attempt)
        return None


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def next_step(
    policy: RetryPolicy,
    req: Request,
    attempt: int,
    *,
    response: RawResponse | None = None,
    exc: Exception | None = None,
) -> Response | float:
    """After one attempt: the answer to return, or the seconds to wait before trying again; raises the
    :class:`~scolarite.client.errors.ODataError` or :class:`~scolarite.client.errors.TransportFailure` otherwise."""
    if exc is not None:
        wait = policy.after_exception(req, exc, attempt)
        if wait is None:
            raise transport_failure(req, exc, req.path) from exc
        return wait
    assert response is not None
    wait = policy.after_response(req, response.status_code, response.headers, attempt)
    if wait is None:
        return parse(req, response)
    return wait
