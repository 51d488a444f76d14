"""The async client's own HTTP/1.1 for plain ``http://`` services: lean, on asyncio streams.

httpx on its default transport costs about 1.5 ms of CPU per request on a small
machine (its pool checks every pooled connection twice per request; URLs, headers,
cookies and auth go through general machinery), so an import of thousands of rows was
bound by the importer's own CPU.  A GraphV1 exchange needs little of it: this sends
the bytes httpx would (the same URL and query encoding, the same JSON), without
``Accept-Encoding`` (nothing to gain from compression on a local link), over
keep-alive connections reused last-in first-out, and reads ``Content-Length`` and
chunked answers.  It raises httpx's exceptions, so the retry policy reads failures
the same way (only a connection that could not be opened means "never sent").

TLS and proxies stay with httpx (:func:`lean_fits`).
"""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.request
import zlib
from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from ._core import _NO_BODY, Request

_HEAD_LIMIT = 1 << 20  # the longest header block accepted
_NO_BODY_STATUS = frozenset({204, 304})
_PATH_SAFE = "/!$&'()*+,;=:@%~"  # what httpx leaves as is in a path
_SENDS_LENGTH = frozenset({"POST", "PUT", "PATCH"})  # httpx sends Content-Length: 0 for these without a body


def lean_fits(root: str) -> bool:
    """Plain HTTP that no proxy of the environment applies to (``HTTP_PROXY``/``ALL_PROXY``, ``NO_PROXY``)."""
    parts = urlsplit(root)
    if parts.scheme != "http":
        return False
    proxies = urllib.request.getproxies()
    if not (proxies.get("http") or proxies.get("all")):
        return True
    return bool(urllib.request.proxy_bypass(parts.hostname or ""))


def basic_authorization(user: str, password: str | None) -> str:
    """The ``Authorization`` value of a login, as httpx's ``BasicAuth`` writes it."""
    return "Basic " + base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")


class LeanResponse:
    """What :func:`~scolarite.client._core.parse` reads of an answer (the names of ``httpx.Response``)."""

    __slots__ = ("content", "headers", "status_code", "url")

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes, url: str):
        self.status_code, self.headers, self.content, self.url = status_code, headers, content, url

    @property
    def text(self) -> str:
        charset = "utf-8"
        for param in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name.lower() == "charset" and value:
                charset = value.strip('"')
        return self.content.decode(charset, errors="replace")

    def json(self) -> Any:
        return json.loads(self.text)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @property
    def usable(self) -> bool:
        """Still open on both sides (a server that closed an idle connection has sent its end of file)."""
        return not self.writer.is_closing() and not self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()


class LeanHTTP:
    """Requests to one plain-HTTP service root, on at most ``connections`` connections kept open."""

    def __init__(self, root: str, headers: dict[str, str], timeout: float | None, connections: int = 100):
        parts = urlsplit(root)
        self.origin = (parts.hostname or "", parts.port or 80)
        self.scheme_host = f"{parts.scheme}://{parts.netloc}"
        self.base_path = parts.path if parts.path.endswith("/") else parts.path + "/"
        fixed = {"Host": parts.netloc.rpartition("@")[2], "Connection": "keep-alive", **headers}
        self.fixed = b"".join(b"%s: %s\r\n" % (k.encode("latin-1"), v.encode("latin-1")) for k, v in fixed.items())
        self.timeout = timeout
        self.connections = max(1, connections)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closer: AsyncGenerator[None] | None = None  # held here: a loop holds its async generators weakly
        self._slots = asyncio.Semaphore(self.connections)
        self._idle: list[_Connection] = []
        self._closed = False

    async def send(self, req: Request) -> LeanResponse:
        target = self.target(req)
        data = self.message(req, target)
        if asyncio.get_running_loop() is not self._loop:
            await self._bind()
        await self._acquire()
        try:
            conn = self._reuse() or await self._open()
            try:
                status, headers, content, keep = await _exchange(conn, data, req.method, self.timeout)
            except BaseException:
                conn.close()
                raise
            if keep and not self._closed:
                self._idle.append(conn)
            else:
                conn.close()
        finally:
            self._slots.release()
        return LeanResponse(status, headers, content, self.scheme_host + target)

    def target(self, req: Request) -> str:
        """The request target as httpx writes it: the root's path and the request's, then its query."""
        if "://" in req.path:  # an @odata.nextLink (already moved onto the service's origin)
            path = httpx.URL(req.path).raw_path.decode("ascii")
        else:
            path = self.base_path + quote(req.path.lstrip("/"), safe=_PATH_SAFE)
        if req.params:
            path += ("&" if "?" in path else "?") + urlencode(req.params)
        return path

    def message(self, req: Request, target: str) -> bytes:
        """The request's bytes: line, headers, body (JSON as httpx encodes it)."""
        extra = b"".join(b"%s: %s\r\n" % (k.encode("latin-1"), v.encode("latin-1")) for k, v in req.headers.items())
        if req.json is not _NO_BODY:
            body = json.dumps(req.json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            extra += b"Content-Length: %d\r\nContent-Type: application/json\r\n" % len(body)
        else:
            body = b""
            if req.method in _SENDS_LENGTH:
                extra += b"Content-Length: 0\r\n"
        return b"%s %s HTTP/1.1\r\n%s%s\r\n%s" % (req.method.encode(), target.encode("ascii"), self.fixed, extra, body)

    async def _bind(self) -> None:
        """Connections belong to the event loop that opened them: a client used again under another loop (a second
        ``asyncio.run``) starts a new pool, and the end of each loop closes its pool (:meth:`_close_with_loop`)."""
        self._loop, self._idle, self._slots = asyncio.get_running_loop(), [], asyncio.Semaphore(self.connections)
        self._closer = self._close_with_loop(self._idle)
        await anext(self._closer)

    @staticmethod
    async def _close_with_loop(idle: list[_Connection]) -> AsyncGenerator[None]:
        """Suspended while its loop runs; the loop's end (``asyncio.run`` closes the async generators started in it)
        closes the connections left idle, while they can still be closed: once the loop is gone, each one would only
        be dropped, its socket left open."""
        try:
            yield
        finally:
            for conn in idle:
                conn.close()
            idle.clear()

    async def _acquire(self) -> None:
        """A connection slot (waiting at most the timeout when all are taken)."""
        if not self._slots.locked():
            await self._slots.acquire()
            return
        try:
            async with asyncio.timeout(self.timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("no connection became free in time") from None

    def _reuse(self) -> _Connection | None:
        while self._idle:
            conn = self._idle.pop()
            if conn.usable:
                return conn
            conn.close()
        return None

    async def _open(self) -> _Connection:
        host, port = self.origin
        try:
            async with asyncio.timeout(self.timeout):
                reader, writer = await asyncio.open_connection(host, port, limit=_HEAD_LIMIT)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"cannot connect to {host}:{port} in time") from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        return _Connection(reader, writer)

    async def aclose(self) -> None:
        self._closed = True
        for conn in self._idle:
            conn.close()
        self._idle.clear()


async def _exchange(
    conn: _Connection, data: bytes, method: str, timeout: float | None
) -> tuple[int, dict[str, str], bytes, bool]:
    """Send the request, read the whole answer: ``(status, headers, body, keep the connection)``."""
    try:
        conn.writer.write(data)
        async with asyncio.timeout(timeout):
            await conn.writer.drain()
            status, version, headers = await _read_head(conn.reader)
            while 100 <= status < 200:  # informational answers precede the real one
                status, version, headers = await _read_head(conn.reader)
            keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
            if method == "HEAD" or status in _NO_BODY_STATUS:
                content = b""
            elif "chunked" in headers.get("transfer-encoding", "").lower():
                content = await _read_chunked(conn.reader)
            elif "content-length" in headers:
                content = await conn.reader.readexactly(int(headers["content-length"]))
            else:
                content, keep = await conn.reader.read(), False  # the body ends with the connection
            content = _decoded(content, headers.get("content-encoding", ""))
    except TimeoutError:
        raise httpx.ReadTimeout("the service did not answer in time") from None
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        raise httpx.RemoteProtocolError(f"malformed or incomplete answer: {exc}") from exc
    except OSError as exc:
        raise httpx.ReadError(str(exc) or type(exc).__name__) from exc
    except zlib.error as exc:
        raise httpx.DecodingError(f"cannot decode the answer: {exc}") from exc
    return status, headers, content, keep


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, str, dict[str, str]]:
    """Status, HTTP version and headers (names in lower case; repeated ones joined with ``, `` as httpx does)."""
    block = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = block[:-4].split("\r\n")
    version, _, rest = lines[0].partition(" ")
    if not version.startswith("HTTP/"):
        raise ValueError(f"not an HTTP answer: {lines[0][:60]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"not a header: {line[:60]!r}")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return int(rest[:3]), version, headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, up to the empty line
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _decoded(content: bytes, encoding: str) -> bytes:
    """The body without its ``Content-Encoding`` (none is asked for; a server may still send gzip or deflate)."""
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(content, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        try:
            return zlib.decompress(content)
        except zlib.error:
            return zlib.decompress(content, -zlib.MAX_WBITS)
    return content
