"""Errors raised by the GraphV1 client.

Every HTTP error answer becomes an :class:`ODataError` (or the subclass for its
status) built from the standard OData error body ``{"error": {"code", "message",
"target"?, "details"?}}``; a body that is not one still gives an error with the
status and the start of the text.  A request that could not reach the server
raises :class:`TransportFailure`, which says whether the request may have been
applied (it was sent before the connection failed).
"""

from __future__ import annotations

from typing import Any


class GraphV1Error(Exception):
    """Base class of every error of :mod:`scolarite.client`."""


class TransportFailure(GraphV1Error):
    """The server could not be reached, or the connection failed during the exchange.

    ``may_have_been_applied`` is false only when the request was certainly never
    sent (the connection could not be opened)."""

    def __init__(self, message: str, *, method: str, url: str, may_have_been_applied: bool):
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.may_have_been_applied = may_have_been_applied


class ODataError(GraphV1Error):
    """An HTTP error answer of the service, with the members of its OData error body."""

    status: int = 0

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        details: list[dict[str, Any]] | None = None,
        method: str = "",
        url: str = "",
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details or []
        self.method = method
        self.url = url
        self.headers = headers or {}

    def __str__(self) -> str:
        where = f"{self.method} {self.url}: " if self.method else ""
        target = f" [{self.target}]" if self.target else ""
        return f"{where}{self.status} {self.code}: {self.message}{target}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.code!r}, {self.message!r}, target={self.target!r})"

    @property
    def reason(self) -> str:
        """The message in plain words, with the detailed problems when there are several."""
        extra = [d.get("message", "") for d in self.details if d.get("message") and d.get("message") != self.message]
        return "; ".join([self.message, *extra])


class BadRequest(ODataError):
    status = 400


class Unauthorized(ODataError):
    status = 401


class Forbidden(ODataError):
    status = 403


class NotFound(ODataError):
    status = 404


class MethodNotAllowed(ODataError):
    status = 405


class Conflict(ODataError):
    status = 409


class PayloadTooLarge(ODataError):
    status = 413


class TooManyRequests(ODataError):
    status = 429


class ServerError(ODataError):
    """Any 5xx answer."""

    status = 500


class ServiceUnavailable(ServerError):
    status = 503


_BY_STATUS: dict[int, type[ODataError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
    429: TooManyRequests,
    503: ServiceUnavailable,
}


def error_class(status: int) -> type[ODataError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else ODataError


def from_response(
    status: int, body: Any, text: str, *, method: str = "", url: str = "", headers: dict[str, str] | None = None
) -> ODataError:
    """The error for an answer with ``status``, from its parsed JSON ``body`` (or its ``text``)."""
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict) and isinstance(err.get("message"), str):
        code = str(err.get("code") or status)
        message = err["message"]
        target = err.get("target") if isinstance(err.get("target"), str) else None
        details = [d for d in err.get("details") or [] if isinstance(d, dict)]
    else:
        code = str(status)
        snippet = " ".join(text.split())[:200]
        message = snippet or f"HTTP {status}"
        target, details = None, []
    return error_class(status)(
        status, code, message, target=target, details=details, method=method, url=url, headers=headers
    )
