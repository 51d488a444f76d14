"""Errors the domain raises.  They say what is wrong in an integrator's words and
name the property at fault (``target``); the API layer chooses the HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(
        self,
        message: str,
        *,
        target: str | None = None,
        code: str | None = None,
        details: list[DomainError] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.target = target
        self.code = code
        self.details = details or []


class ValidationError(DomainError):
    """The request is well-formed but its content breaks a rule."""


class NotFoundError(DomainError):
    """The addressed object does not exist (or was deleted)."""


class ConflictError(DomainError):
    """The request collides with the current state (e.g. a uniqueness rule)."""


class UnavailableError(DomainError):
    """The database cannot take more work right now (too many connections, a connection that could not be
    made): the request was not wrong, and may be sent again after ``retry_after`` seconds."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: int = 1,
        target: str | None = None,
        code: str | None = None,
        details: list[DomainError] | None = None,
    ):
        super().__init__(message, target=target, code=code, details=details)
        self.retry_after = retry_after
