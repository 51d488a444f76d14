"""OData errors: every failure a client can cause, with its HTTP status.

The body is the standard OData JSON error, ``{"error": {"code", "message",
"target"?, "details"?}}``.  Domain code raises the plain exceptions of
``scolarite.errors``; ``from_domain`` maps them here, so the domain stays free of
HTTP.
"""

from __future__ import annotations

from typing import Any

from scolarite import errors as domain


class ODataError(Exception):
    status = 400
    code = "BadRequest"

    def __init__(
        self,
        message: str,
        *,
        target: str | None = None,
        details: list[dict[str, Any]] | None = None,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.target = target
        self.details = details
        self.headers = headers or {}
        if code:
            self.code = code
        if status:
            self.status = status

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        if self.details:
            error["details"] = self.details
        return {"error": error}


class BadRequest(ODataError):
    status, code = 400, "BadRequest"


class Unauthorized(ODataError):
    status, code = 401, "Unauthorized"


class NotFound(ODataError):
    status, code = 404, "NotFound"


class MethodNotAllowed(ODataError):
    status, code = 405, "MethodNotAllowed"


class NotAcceptable(ODataError):
    status, code = 406, "NotAcceptable"


class RequestTimeout(ODataError):
    status, code = 408, "RequestTimeout"


class Conflict(ODataError):
    status, code = 409, "Conflict"


class PayloadTooLarge(ODataError):
    status, code = 413, "PayloadTooLarge"


class TooManyRequests(ODataError):
    status, code = 429, "TooManyRequests"


class Unavailable(ODataError):
    status, code = 503, "ServiceUnavailable"


class NotImplementedYet(ODataError):
    status, code = 501, "NotImplemented"


def from_domain(exc: domain.DomainError) -> ODataError:
    if isinstance(exc, domain.UnavailableError):
        return Unavailable(exc.message, headers={"Retry-After": str(exc.retry_after)})
    cls = {
        domain.ValidationError: BadRequest,
        domain.NotFoundError: NotFound,
        domain.ConflictError: Conflict,
    }.get(type(exc), BadRequest)
    details = [{"code": cls.code, "message": d.message, "target": d.target} for d in exc.details] or None
    return cls(exc.message, target=exc.target, details=details, code=exc.code)
