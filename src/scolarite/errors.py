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
