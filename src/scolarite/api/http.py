"""The HTTP connection, guarded: a request's head has a deadline and a size.

uvicorn (httptools) closes a connection idle between two requests after its
keep-alive timeout, but a connection that sends nothing at all, half a request
line, or headers without their blank line stays open for ever, and a 50 MB header
or 10,000 headers are read whole.  This protocol adds what is missing, at the cost
of a few comparisons per received chunk:

* the head of each request (request line and headers) must arrive within
  ``header_timeout`` seconds of the connection's opening or of the previous
  response: after it the connection gets 408 (or is closed when it sent nothing);
* a head larger than ``max_header_bytes`` or with more than ``max_headers`` fields
  gets 431 and the connection is closed; while a head is incomplete no more than
  that size (and one received chunk) is held.

The body's own deadline is the application's (``SCOLARITE_BODY_TIMEOUT``, api/app.py).
Answers are OData errors, like every other refusal.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from scolarite.config import Settings

_settings: Settings | None = None


def settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings


REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limits = settings()
        self.head_timeout = limits.header_timeout
        self.max_head = limits.max_header_bytes
        self.max_headers = limits.max_headers
        self.head_timer: asyncio.TimerHandle | None = None
        self.reading_head = True
        self.head_bytes = 0  # received while the current head is incomplete
        self.head_size = 0  # of the current head's URL and fields
        self.head_fields = 0

    # -- the head's deadline -------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        if self.head_timeout:
            self.head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if not self.reading_head or self.transport.is_closing():
            return
        if self.head_bytes:
            self._refuse(
                408,
                f"the request's head was not received within {self.head_timeout:.0f} s "
                "(setting SCOLARITE_HEADER_TIMEOUT)",
            )
        else:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self.reading_head, self.head_bytes = True, 0
            self._arm()

    # -- the head's size -------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self.reading_head:
            self.head_bytes += len(data)
        super().data_received(data)
        # Still no end of the head, and more received than a head may hold: no need to read on.
        if self.reading_head and self.head_bytes > self.max_head and not self.transport.is_closing():
            self._too_large()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.reading_head = True
        self.head_size = self.head_fields = 0

    def on_url(self, url: bytes) -> None:
        self.head_size += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_fields += 1
        self.head_size += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.reading_head = False
        self.head_bytes = 0
        self._disarm()
        if self.head_size > self.max_head or self.head_fields > self.max_headers:
            return self._too_large()
        super().on_headers_complete()

    def _too_large(self) -> None:
        self._refuse(
            431,
            f"the request's head is larger than {self.max_head:,} bytes or has more than "
            f"{self.max_headers} fields (settings SCOLARITE_MAX_HEADER_BYTES, SCOLARITE_MAX_HEADERS)",
        )

    def _refuse(self, status: int, message: str) -> None:
        code = "RequestTimeout" if status == 408 else "RequestHeaderFieldsTooLarge"
        body = orjson.dumps({"error": {"code": code, "message": message}})
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: application/json; charset=utf-8\r\n"
            b"content-length: %d\r\nconnection: close\r\nodata-version: 4.0\r\n\r\n%s"
            % (status, REASONS[status], len(body), body)
        )
        self.reading_head = False
        self.transport.close()
