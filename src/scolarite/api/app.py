"""The web application: Starlette in front of the OData endpoint.

This layer only adapts HTTP: authentication (Basic or X-ApiKey, R1), the body
size limit, the absolute service root (behind a proxy too), and the translation
to and from the framework-free ``ODataRequest``/``ODataResponse``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from scolarite import rules
from scolarite.config import Settings
from scolarite.model import schema
from scolarite.odata import edm
from scolarite.odata.endpoint import ODataEndpoint, ODataRequest, error_response
from scolarite.odata.errors import BadRequest, NotFound, PayloadTooLarge, Unauthorized
from scolarite.service import Service
from scolarite.store.credentials import Credentials
from scolarite.store.db import Database

log = logging.getLogger("scolarite.api")

ROOT = "GraphV1"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "MERGE", "OPTIONS"]
CHALLENGE = {"WWW-Authenticate": f'Basic realm="{ROOT}", charset="UTF-8"'}


def _respond(resp) -> Response:
    headers = dict(resp.headers)
    return Response(resp.body, status_code=resp.status, headers=headers, media_type=resp.content_type)


def build(settings: Settings | None = None, db: Database | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    edm.configure_timezone(settings.timezone)
    db = db or Database(schema, settings.database_url)
    service = Service(schema, db)
    rules.register(service)
    endpoint = ODataEndpoint(schema, service, settings.max_page_size)
    credentials = Credentials(db, settings.auth_cache_seconds)

    async def authenticate(request: Request):
        key = request.headers.get("x-apikey")
        if key:
            return await credentials.check_key(key.strip())
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic" or not value:
            return None
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        login, sep, password = decoded.partition(":")
        if not sep:
            return None
        return await credentials.check_basic(login, password)

    def service_root(request: Request) -> str:
        if settings.public_url:
            return settings.public_url.rstrip("/") + "/"
        scheme = request.url.scheme
        host = request.headers.get("host", request.url.netloc)
        if settings.trust_forwarded:
            scheme = request.headers.get("x-forwarded-proto", scheme).split(",")[0].strip() or scheme
            host = request.headers.get("x-forwarded-host", host).split(",")[0].strip() or host
        prefix = request.scope.get("root_path", "").rstrip("/")
        return f"{scheme}://{host}{prefix}/{ROOT}/"

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
            raise PayloadTooLarge(f"the body is larger than the limit of {settings.max_body_bytes} bytes")
        chunks, size = [], 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > settings.max_body_bytes:
                    raise PayloadTooLarge(f"the body is larger than the limit of {settings.max_body_bytes} bytes")
                chunks.append(chunk)
        except ClientDisconnect:
            raise BadRequest("the client disconnected before sending the whole body") from None
        return b"".join(chunks)

    async def graph(request: Request) -> Response:
        try:
            principal = await authenticate(request)
            if principal is None:
                raise Unauthorized("authentication required: send HTTP Basic credentials or an X-ApiKey header",
                                   headers=CHALLENGE)
            body = await read_body(request)
        except (Unauthorized, PayloadTooLarge, BadRequest) as error:
            return _respond(error_response(error))
        path = request.path_params.get("path", "")
        odata_request = ODataRequest(
            method=request.method, path=path, query=request.url.query, root=service_root(request),
            headers={k.lower(): v for k, v in request.headers.items()}, body=body, user=principal)
        return _respond(await endpoint.handle(odata_request))

    async def not_found(request: Request) -> Response:
        return _respond(error_response(NotFound(f"nothing here; the API lives under /{ROOT}/")))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        await db.dispose()

    app = Starlette(
        routes=[
            Route(f"/{ROOT}", graph, methods=METHODS),
            Route(f"/{ROOT}/{{path:path}}", graph, methods=METHODS),
            Route("/{path:path}", not_found, methods=METHODS),
        ],
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.service = service
    app.state.credentials = credentials
    return app


def create_app() -> Starlette:
    """Factory used by ``uvicorn --factory`` (settings from the environment)."""
    logging.basicConfig(level=logging.INFO)
    return build()
