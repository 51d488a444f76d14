"""The two documented workflows as functions: a dossier d'inscription (use case A, :mod:`.dossier`) and a
convention (use case B, :mod:`.convention`).

``create_dossier(client, row)`` and ``create_convention(client, row)`` run the
documented calls in order with either client (the sync one returns the
:class:`RowResult`, the async one a coroutine of it); steps that do not depend on
each other (a dossier's inscription with its periods, and its client) are sent side
by side by the async client.  They are safe to run again:

* every human value of the row is resolved to an id, and the row checked, **before
  the first write**, so a row that cannot resolve creates nothing;
* before each creation they look for what exists (the learner by e-mail, its
  inscription for the programme, the linked periods, its client, the client–affaire
  link; the convention of the learner for that type and séquence, its entreprise,
  its organisme financeur), so a second run creates nothing and completes what a
  first run left half-done;
* with a :class:`~scolarite.client.journal.Journal`, each step is recorded (an intent
  before the call, the id after): a run killed between a creation and its record
  finds the object again instead of duplicating it;
* a row that fails says why in plain words and lists every id that exists for it.
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from typing import Any, overload

from ._base import AsyncRunner, SyncRunner
from .convention import choose_sequence, convention_operation
from .dossier import dossier_operation
from .journal import Journal
from .resolver import Resolver
from .rows import ConventionRow, DossierRow
from .steps import (
    ALREADY_DONE,
    CREATED,
    FAILED,
    OK_STATUSES,
    TIMEZONE,
    VALID,
    RowFailed,
    RowResult,
    paris_midnight,
)

__all__ = [
    "ALREADY_DONE",
    "CREATED",
    "FAILED",
    "OK_STATUSES",
    "TIMEZONE",
    "VALID",
    "RowFailed",
    "RowResult",
    "choose_sequence",
    "convention_operation",
    "create_convention",
    "create_dossier",
    "dossier_operation",
    "paris_midnight",
]


@overload
def create_dossier(
    client: SyncRunner,
    row: DossierRow | Mapping[str, Any],
    journal: Journal | None = None,
    *,
    resolver: Resolver | None = None,
    dry_run: bool = False,
    number: int | None = None,
) -> RowResult: ...
@overload
def create_dossier(
    client: AsyncRunner,
    row: DossierRow | Mapping[str, Any],
    journal: Journal | None = None,
    *,
    resolver: Resolver | None = None,
    dry_run: bool = False,
    number: int | None = None,
) -> Coroutine[Any, Any, RowResult]: ...
def create_dossier(
    client: SyncRunner | AsyncRunner,
    row: DossierRow | Mapping[str, Any],
    journal: Journal | None = None,
    *,
    resolver: Resolver | None = None,
    dry_run: bool = False,
    number: int | None = None,
) -> RowResult | Coroutine[Any, Any, RowResult]:
    """Create (or complete) one learner's dossier from a row (a :class:`DossierRow` or a mapping of the documented
    columns).  With :class:`~scolarite.client.GraphV1Client` returns the :class:`RowResult`; with
    :class:`~scolarite.client.AsyncGraphV1Client` a coroutine of it.  Pass one :class:`Resolver` for many rows so the
    referentials are read once."""
    return client.run(dossier_operation(row, resolver=resolver, journal=journal, dry_run=dry_run, number=number))


@overload
def create_convention(
    client: SyncRunner,
    row: ConventionRow | Mapping[str, Any],
    journal: Journal | None = None,
    *,
    resolver: Resolver | None = None,
    dry_run: bool = False,
    number: int | None = None,
) -> RowResult: ...
@overload
def create_convention(
    client: AsyncRunner,
    row: ConventionRow | Mapping[str, Any],
    journal: Journal | None = None,
    *,
    resolver: Resolver | None = None,
    dry_run: bool = False,
    number: int | None = None,
) -> Coroutine[Any, Any, RowResult]: ...
def create_convention(
    client: SyncRunner | AsyncRunner,
    row: ConventionRow | Mapping[str, Any],
    journal: Journal | None = None,
    *,
    resolver: Resolver | None = None,
    dry_run: bool = False,
    number: int | None = None,
) -> RowResult | Coroutine[Any, Any, RowResult]:
    """Create (or complete) one convention from a row (see :func:`create_dossier`)."""
    return client.run(convention_operation(row, resolver=resolver, journal=journal, dry_run=dry_run, number=number))
