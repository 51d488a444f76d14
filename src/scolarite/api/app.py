"""The web application: a plain ASGI handler for ``/GraphV1``, Starlette for the rest.

This layer only adapts HTTP: authentication (Basic or X-ApiKey, R1), the body
size limit, the absolute service root (behind a proxy too), and the translation
to and from the framework-free ``ODataRequest``/``ODataResponse``.  The API path
skips Starlette's routing and request objects (measured: a noticeable share of a
by-key read); Starlette keeps the lifespan and answers every other path.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import NoReturn

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from scolarite import rules
from scolarite.config import Settings
from scolarite.model import schema
from scolarite.odata.endpoint import ODataEndpoint, ODataRequest, ODataResponse, error_response
from scolarite.odata.errors import (
    BadRequest,
    NotFound,
    ODataError,
    PayloadTooLarge,
    RequestTimeout,
    TooManyRequests,
    Unauthorized,
)
from scolarite.schema import edm
from scolarite.service import Service
from scolarite.store.credentials import Credentials, Principal
from scolarite.store.db import Database
from scolarite.store.raw import ConnectionExecutor
from scolarite.store.throttle import Policy, Throttle, retry_after

from .domain import ServiceDomain
from .proxies import Peers, valid_host, valid_scheme

log = logging.getLogger("scolarite.api")

ROOT = "GraphV1"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "MERGE", "OPTIONS"]
CHALLENGE = {"WWW-Authenticate": f'Basic realm="{ROOT}", charset="UTF-8"'}


def _respond(resp: ODataResponse) -> Response:
    return Response(resp.body, status_code=resp.status, headers=dict(resp.headers), media_type=resp.content_type)


class GraphV1:
    """The ``/GraphV1`` handler, as a plain ASGI application.

    It reads what it needs straight from the ASGI scope (no per-request framework
    objects on the hot path): authentication (Basic or X-ApiKey, R1) with its
    throttle, the body with its size and time limits, and the absolute service root
    (behind a trusted proxy too); then hands an ``ODataRequest`` to the protocol layer.
    """

    def __init__(self, endpoint: ODataEndpoint, credentials: Credentials, settings: Settings, throttle: Throttle):
        self.endpoint = endpoint
        self.credentials = credentials
        self.settings = settings
        self.throttle = throttle
        self.peers = Peers(settings.forwarded_allow_ips if settings.trust_forwarded else (), settings.allowed_hosts)
        self.limit = settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            principal = await self.authenticate(headers, scope)
            body = await self.read_body(headers, receive)
        except ODataError as error:
            return await self.send(send, error_response(error))
        path = scope["path"][len(f"/{ROOT}") :].lstrip("/")
        raw_query = scope.get("query_string", b"")
        try:
            query = raw_query.decode("utf-8")
        except UnicodeDecodeError:
            query = raw_query.decode("latin-1")
        request = ODataRequest(
            method=scope["method"],
            path=path,
            query=query,
            root=self.service_root(scope, headers),
            headers=headers,
            body=body,
            user=principal,
        )
        await self.send(send, await self.endpoint.handle(request))

    async def authenticate(self, headers: dict[str, str], scope: Scope) -> Principal:
        """The caller, or 401 (429 while the address waits after repeated failures).

        The message says what is missing or malformed, and for a refused login only
        "the login or the password is wrong": never which of the two, nor whether the
        login exists (an unknown login costs the same verification as a known one)."""
        peer = (scope.get("client") or (None,))[0]
        address = self.peers.client_address(peer, headers.get("x-forwarded-for"))
        key = headers.get("x-apikey", "").strip()
        if key:
            keys = self.throttle.keys(address, None)
            self._wait(self.throttle.waiting(keys))
            principal = self.credentials.remembered_key(key) or await self._checked(
                keys, lambda: self.credentials.check_key(key)
            )
            if principal is None:
                await self._failed(keys, address, None, "the API key is not valid (unknown or revoked)")
            return principal
        authorization = headers.get("authorization", "").strip()
        if not authorization:
            raise Unauthorized(
                "authentication required: send HTTP Basic credentials or an X-ApiKey header", headers=CHALLENGE
            )
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "basic":
            raise Unauthorized(
                f"the {scheme[:20]!r} authorization scheme is not accepted: send HTTP Basic "
                "credentials or an X-ApiKey header",
                headers=CHALLENGE,
            )
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        login, sep, password = decoded.partition(":")
        if not sep:
            raise Unauthorized(
                "the Authorization header is not HTTP Basic: send 'Basic ' and the base64 of login:password (UTF-8)",
                headers=CHALLENGE,
            )
        keys = self.throttle.keys(address, login)
        # While a login waits at an address, every attempt waits, the right password too (or a guess that
        # happens to be right would show).  Other addresses are not concerned.
        self._wait(self.throttle.waiting(keys))
        principal = self.credentials.remembered_basic(login, password)
        if principal is not None:
            return principal
        principal = await self._checked(keys, lambda: self.credentials.check_basic(login, password))
        if principal is None:
            await self._failed(keys, address, login, "the login or the password is wrong")
        await self.throttle.succeeded(keys)
        return principal

    async def _checked(
        self, keys: list[tuple[str, str]], check: Callable[[], Awaitable[Principal | None]]
    ) -> Principal | None:
        """A credential check that reads the database: first, what every process knows of the address."""
        self._wait(await self.throttle.shared_wait(keys))
        return await check()

    async def _failed(self, keys: list[tuple[str, str]], address: str, login: str | None, message: str) -> NoReturn:
        wait = await self.throttle.failed(keys)
        log.warning(
            "authentication failed from %s%s: %s%s",
            address,
            f" for login {login[:80]!r}" if login is not None else "",
            message,
            f"; the address now waits {wait:.0f} s" if wait else "",
        )
        raise Unauthorized(message, headers=CHALLENGE)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            raise TooManyRequests(
                f"too many failed sign-ins from this address: try again in {retry_after(seconds)} s (after "
                f"{self.settings.auth_max_failures} failures of a login, or "
                f"{self.settings.auth_max_failures_per_address} of any, each new one doubles the wait, up to "
                f"{self.settings.auth_max_backoff:.0f} s; settings SCOLARITE_AUTH_MAX_FAILURES, "
                "SCOLARITE_AUTH_MAX_BACKOFF)",
                headers={"Retry-After": retry_after(seconds)},
            )

    def service_root(self, scope: Scope, headers: dict[str, str]) -> str:
        """The absolute service root links are built on (see api/proxies.py for whom it believes)."""
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/") + "/"
        scheme = scope.get("scheme", "http")
        server = scope.get("server") or ("localhost", None)
        own = f"[{server[0]}]" if ":" in str(server[0]) else str(server[0])
        own = f"{own}:{server[1]}" if server[1] else own
        host = headers.get("host", "")
        peer = (scope.get("client") or (None,))[0]
        if self.peers.trusted(peer):
            proto = headers.get("x-forwarded-proto", "").split(",")[0].strip()
            if valid_scheme(proto):
                scheme = proto.lower()
            forwarded = headers.get("x-forwarded-host", "").split(",")[0].strip()
            if valid_host(forwarded):
                host = forwarded
            elif not self.peers.host_allowed(host):
                host = own
        elif not self.peers.host_allowed(host):  # like Django's ALLOWED_HOSTS, whoever the peer
            host = own
        prefix = scope.get("root_path", "").rstrip("/")
        return f"{scheme}://{host}{prefix}/{ROOT}/"

    async def read_body(self, headers: dict[str, str], receive: Receive) -> bytes:
        declared = headers.get("content-length")
        too_large = PayloadTooLarge(
            f"the body is larger than the limit of {self.limit} bytes (setting SCOLARITE_MAX_BODY_BYTES)"
        )
        if declared and declared.isdigit() and int(declared) > self.limit:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.settings.body_timeout or None):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise BadRequest("the client disconnected before sending the whole body")
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.limit:
                        raise too_large
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            raise RequestTimeout(
                f"the body was not received within {self.settings.body_timeout:.0f} s (setting SCOLARITE_BODY_TIMEOUT)"
            ) from None

    @staticmethod
    async def send(send: Send, resp: ODataResponse) -> None:
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in resp.headers.items()]
        if resp.content_type:
            headers.append((b"content-type", resp.content_type.encode("latin-1")))
        headers.append((b"content-length", str(len(resp.body)).encode()))
        await send({"type": "http.response.start", "status": resp.status, "headers": headers})
        await send({"type": "http.response.body", "body": resp.body})


class Application:
    """``/GraphV1`` goes straight to its handler; everything else (lifespan, other
    paths) to a small Starlette application."""

    def __init__(self, graph: GraphV1, fallback: Starlette):
        self.graph = graph
        self.fallback = fallback
        self.state = fallback.state
        self.router = fallback.router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path == f"/{ROOT}" or path.startswith(f"/{ROOT}/"):
                return await self.graph(scope, receive, send)
        await self.fallback(scope, receive, send)


def build(settings: Settings | None = None, db: Database | None = None) -> Application:
    settings = settings or Settings.from_env()
    edm.configure_timezone(settings.timezone)
    db = db or Database(schema, settings.database_url, pool_size=settings.db_pool_size)
    service = Service(schema, db)
    rules.register(service)
    endpoint = ODataEndpoint(
        schema,
        db,
        ServiceDomain(service),
        ConnectionExecutor,
        db.engine.dialect,
        settings.max_page_size,
        settings.limits,
    )
    credentials = Credentials(db, settings.auth_cache_seconds, settings.auth_hash_concurrency)
    throttle = Throttle(
        db,
        Policy(settings.auth_max_failures, settings.auth_failure_window, settings.auth_max_backoff),
        Policy(settings.auth_max_failures_per_address, settings.auth_failure_window, settings.auth_max_backoff),
    )

    async def not_found(request: Request) -> Response:
        return _respond(error_response(NotFound(f"nothing here; the API lives under /{ROOT}/")))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The schema, tables and compiled statements live as long as the process:
        # moved out of the collector's reach, they no longer make every full
        # collection walk them (tens of milliseconds added to some requests).
        gc.collect()
        gc.freeze()
        yield
        await db.dispose()

    fallback = Starlette(routes=[Route("/{path:path}", not_found, methods=METHODS)], lifespan=lifespan)
    fallback.state.db = db
    fallback.state.service = service
    fallback.state.credentials = credentials
    fallback.state.throttle = throttle
    return Application(GraphV1(endpoint, credentials, settings, throttle), fallback)


def create_app() -> Application:
    """Factory used by ``uvicorn --factory`` (settings from the environment)."""
    logging.basicConfig(level=logging.INFO)
    return build()
