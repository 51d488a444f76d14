"""A client for any GraphV1 service (ours or AIMAIRA's), and the import workflows built on it.

* :class:`GraphV1Client` / :class:`AsyncGraphV1Client`: the same methods, blocking or
  ``async`` (``get``, ``all``/``list``, ``iter_all``, ``first``, ``count``, ``create``,
  ``update``, ``replace``, ``patch``, ``delete``, and the documented calls
  ``create_client_for_learner``, ``synchronise_affaire``, ``eligible_sequences``…).
  Basic or ``X-ApiKey`` authentication, typed errors from OData error bodies,
  retries for idempotent requests only, ``@odata.nextLink`` followed.
* :class:`Query` and the filter helpers (``eq``, ``and_``, ``startswith``…): literals
  are always quoted correctly.
* :func:`create_dossier` / :func:`create_convention`: the two documented workflows,
  idempotent and resumable (with a :class:`Journal`).
"""

from . import errors, operations
from ._core import Request, Response, RetryPolicy
from .aio import AsyncGraphV1Client
from .errors import (
    BadRequest,
    Conflict,
    Forbidden,
    GraphV1Error,
    MethodNotAllowed,
    NotFound,
    ODataError,
    PayloadTooLarge,
    ServerError,
    ServiceUnavailable,
    TooManyRequests,
    TransportFailure,
    Unauthorized,
)
from .journal import Journal
from .operations import ENTITY_SETS, Page
from .query import (
    Expr,
    Field,
    Query,
    and_,
    contains,
    endswith,
    eq,
    ge,
    gt,
    in_,
    le,
    literal,
    lt,
    ne,
    not_,
    or_,
    startswith,
    tolower,
    toupper,
)
from .resolver import Resolver, Unresolved
from .rows import ConventionRow, DossierRow, RowInvalid
from .sync import GraphV1Client
from .workflows import (
    ALREADY_DONE,
    CREATED,
    FAILED,
    VALID,
    RowFailed,
    RowResult,
    convention_operation,
    create_convention,
    create_dossier,
    dossier_operation,
)

__all__ = [
    "ALREADY_DONE",
    "CREATED",
    "ENTITY_SETS",
    "FAILED",
    "VALID",
    "AsyncGraphV1Client",
    "BadRequest",
    "Conflict",
    "ConventionRow",
    "DossierRow",
    "Expr",
    "Field",
    "Forbidden",
    "GraphV1Client",
    "GraphV1Error",
    "Journal",
    "MethodNotAllowed",
    "NotFound",
    "ODataError",
    "Page",
    "PayloadTooLarge",
    "Query",
    "Request",
    "Resolver",
    "Response",
    "RetryPolicy",
    "RowFailed",
    "RowInvalid",
    "RowResult",
    "ServerError",
    "ServiceUnavailable",
    "TooManyRequests",
    "TransportFailure",
    "Unauthorized",
    "Unresolved",
    "and_",
    "contains",
    "convention_operation",
    "create_convention",
    "create_dossier",
    "dossier_operation",
    "endswith",
    "eq",
    "errors",
    "ge",
    "gt",
    "in_",
    "le",
    "literal",
    "lt",
    "ne",
    "not_",
    "operations",
    "or_",
    "startswith",
    "tolower",
    "toupper",
]
