"""What the two workflows (:mod:`.dossier`, :mod:`.convention`) are made of: the result of a row, the bookkeeping of
its run (ids, creations, journal, the step being done), and the checks every row passes before its first write."""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from . import errors, operations
from ._core import Entity, Operation
from .journal import Journal, RowJournal
from .resolver import Resolver, Unresolved
from .rows import ConventionRow, DossierRow, RowInvalid, fallback_key, header_key

TIMEZONE = ZoneInfo("Europe/Paris")

CREATED = "created"
ALREADY_DONE = "already done"
FAILED = "failed"
VALID = "valid (dry-run)"
OK_STATUSES = frozenset({CREATED, ALREADY_DONE, VALID})

#: The steps of a row, in the words of its failures ("creating the client: …").
WHAT = {
    "email": "the learner's e-mail",
    "learner": "the learner",
    "inscription": "the inscription",
    "period": "the inscription's period",
    "client_email": "the client's e-mail",
    "client": "the client",
    "client_affaire": "the client–affaire link",
    "convention": "the convention",
    "entreprise": "the entreprise",
    "financeur": "the organisme financeur link",
    "synchronisation": "the affaire synchronisation",
}

R = TypeVar("R", DossierRow, ConventionRow)


@dataclass
class RowResult:
    """What happened to one input row."""

    kind: str  # "dossier" or "convention"
    key: str
    number: int | None
    status: str = FAILED
    ids: dict[str, Any] = field(default_factory=dict)  # every id known for the row, existing or created
    created: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # entity set → ids made now
    updated: list[str] = field(default_factory=list)
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    def raise_for_status(self) -> RowResult:
        if not self.ok:
            raise RowFailed(self)
        return self

    def created_ids(self) -> list[int]:
        return [i for ids in self.created.values() for i in ids]


class RowFailed(errors.GraphV1Error):
    def __init__(self, result: RowResult):
        super().__init__(result.reason or "failed")
        self.result = result


def paris_midnight(day: dt.date) -> str:
    """A day as the ``Edm.DateTimeOffset`` of its midnight in Paris (``2023-11-20T00:00:00+01:00``)."""
    return dt.datetime.combine(day, dt.time(), TIMEZONE).isoformat()


class RowRun:
    """The bookkeeping of one row's run: ids, creations, journal, what is being done."""

    def __init__(self, kind: str, key: str, number: int | None, journal: Journal | None, dry_run: bool):
        self.result = RowResult(kind, key, number)
        self.journal = None if dry_run else journal
        self.rj = RowJournal(self.journal, key)
        self.doing = "reading the referentials"

    @property
    def ids(self) -> dict[str, Any]:
        return self.result.ids

    def fork(self) -> RowRun:
        """The same row for steps run beside others (:func:`together`): the same ids, creations and journal, its
        own account of what it is doing (so that a failure names its own step)."""
        return copy.copy(self)

    def create(
        self,
        step: str,
        entity_set: str,
        body: dict[str, Any] | None = None,
        op: Operation[Entity] | None = None,
        minimal: bool = False,
    ) -> Operation[Entity]:
        """Create (intent, call, record).  ``minimal``: only the new ``Id`` is needed (see
        :func:`operations.create`)."""
        self.doing = f"creating {WHAT.get(step.split(':')[0], step)}"
        self.rj.intend(step)
        entity = yield from (op if op is not None else operations.create(entity_set, body or {}, minimal=minimal))
        self.rj.record(step, entity["Id"])
        self.result.created[entity_set].append(entity["Id"])
        return entity

    def update(self, step: str, entity_set: str, key: Any, changes: dict[str, Any]) -> Operation[Entity]:
        self.doing = f"updating {WHAT.get(step, step)}"
        entity = yield from operations.update(entity_set, key, changes)
        self.result.updated.append(f"{entity_set} {key}")
        return entity

    def finish(self, status: str | None = None, reason: str | None = None) -> RowResult:
        r = self.result
        if reason is not None:
            r.status, r.reason = FAILED, reason
        elif status is not None:
            r.status = status
        else:
            r.status = CREATED if (r.created or r.updated) else ALREADY_DONE
        r.created = dict(r.created)
        if self.journal is not None:
            self.journal.finish(r.key, r.kind, r.number, r.status, r.ids, r.reason)
        return r

    def failure(self, exc: BaseException) -> str:
        if isinstance(exc, (Unresolved, RowInvalid)):
            return str(exc)
        if isinstance(exc, errors.TransportFailure):
            maybe = (
                " (it may have been done: run the import again to complete the row)"
                if exc.may_have_been_applied and self.doing.startswith(("creating", "updating"))
                else ""
            )
            return f"{self.doing}: {exc.message}{maybe}"
        if isinstance(exc, errors.ODataError):
            return f"{self.doing}: {exc.reason} (HTTP {exc.status})"
        return f"{self.doing}: {type(exc).__name__}: {exc}"


@dataclass
class _Failed:
    """A step run beside others that failed: the error, and what that step was doing."""

    error: Exception
    doing: str


#: What fails a row (and is reported in its result) rather than the whole import.
ROW_ERRORS = (Unresolved, RowInvalid, errors.GraphV1Error)


def together(st: RowRun, *steps: tuple[RowRun, Operation[Any]]) -> Operation[list[Any]]:
    """Steps of a row that do not depend on each other, at the same time (each ``(fork of st, operation)``): their
    results, in order.  Each runs to its end; then the first that failed fails the row, named by its own step."""

    def branch(twin: RowRun, op: Operation[Any]) -> Operation[Any]:
        try:
            return (yield from op)
        except ROW_ERRORS as exc:
            return _Failed(exc, twin.doing)

    outcomes = yield from operations.parallel(*(branch(twin, op) for twin, op in steps))
    for outcome in outcomes:
        if isinstance(outcome, _Failed):
            st.doing = outcome.doing
            raise outcome.error
    return outcomes


def prefer(found: list[Entity], wanted_id: Any) -> Entity | None:
    """The entity the journal names among those found, else the first (the oldest: they are ordered by ``Id``)."""
    if not found:
        return None
    return next((f for f in found if f.get("Id") == wanted_id), found[0])


def start(
    cls: type[R],
    row: R | Mapping[str, Any],
    number: int | None,
    columns: Iterable[str] | None,
    journal: Journal | None,
    dry_run: bool,
) -> tuple[RowRun, R | None, list[str], dict[str, str]]:
    """The run of a row, with the row parsed: ``(run, parsed row or None, problems, cells)``, ``cells`` being the
    columns of a row that does not parse (its references are still resolved, so all its problems are said at once).
    The row's number is its own when the caller gives none."""
    parsed, problems, key, cells = _parse(cls, row, number, columns)
    number = parsed.number if parsed is not None and number is None else number
    return RowRun(cls.kind, key, number, journal, dry_run), parsed, problems, cells


def _parse(
    cls: type[R], row: R | Mapping[str, Any], number: int | None, columns: Iterable[str] | None
) -> tuple[R | None, list[str], str, dict[str, str]]:
    """``(parsed row or None, problems, row key, cells of a row that does not parse)``."""
    if isinstance(row, cls):
        return row, [], row.key, {}
    if isinstance(row, (DossierRow, ConventionRow)):  # the other workflow's row (it has no cells to read)
        raise TypeError(f"a {type(row).__name__} is not a row of the {cls.kind} workflow")
    try:
        parsed = cls.parse(row, number, columns)
        return parsed, [], parsed.key, {}
    except RowInvalid as exc:
        cells = {header_key(k): str(v or "").strip() for k, v in row.items()}
        return None, list(exc.problems), fallback_key(cls.kind, row, number), cells


def resolve_references(
    resolver: Resolver,
    parsed: DossierRow | ConventionRow | None,
    cells: dict[str, str],
    problems: list[str],
    names: tuple[str, ...],
) -> dict[str, Entity]:
    """Resolve the row's reference columns (those given), adding what does not resolve to ``problems``."""

    def value(col: str) -> str:
        return (getattr(parsed, col, "") or "") if parsed is not None else cells.get(col, "")

    refs: dict[str, Entity] = {}
    for name in names:
        if value(name):
            try:
                refs[name] = resolver.resolve(name, value(name))
            except Unresolved as exc:
                problems.append(exc.message)
    if "civilite" in names and value("voie_entree") and "programme" in refs:  # a dossier: the voie of the programme
        try:
            refs["voie_entree"] = resolver.voie_entree(value("voie_entree"), refs["programme"])
        except Unresolved as exc:
            problems.append(exc.message)
    return refs
