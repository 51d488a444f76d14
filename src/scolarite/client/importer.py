"""``scolarite import dossiers|conventions FILE``: run a workflow for every row of a file.

Rows run concurrently (``--concurrency``) on the async client; rows of the same
e-mail run one after the other (they share a learner).  The referentials and the
parcours' periods are read once, the learners of the rows' e-mails many rows per
request.  Every row ends in the report file (one line per input row) and, unless
``--dry-run``, in the journal; the exit code is 0 only when every row succeeded.
"""

from __future__ import annotations

import asyncio
import csv
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from . import errors, operations
from ._core import Entity
from .aio import AsyncGraphV1Client
from .journal import Journal
from .resolver import Resolver
from .rows import (
    ConventionRow,
    DossierRow,
    FileError,
    RowInvalid,
    SourceRow,
    fallback_key,
    missing_columns,
    read_table,
)
from .workflows import ALREADY_DONE, CREATED, FAILED, VALID, RowResult, convention_operation, dossier_operation

KINDS = {"dossiers": "dossier", "conventions": "convention"}

#: A row of the file as checked: the parsed row, or what is wrong with it.
ParsedRow = DossierRow | ConventionRow | RowInvalid

REPORT_COLUMNS = {
    "dossier": [
        ("email_id", "email"),
        ("learner_id", "learner"),
        ("learner_code", "learner_code"),
        ("inscription_id", "inscription"),
        ("affaire_id", "affaire"),
        ("period_link_ids", "periods"),
        ("client_email_id", "client_email"),
        ("client_id", "client"),
        ("client_affaire_id", "client_affaire"),
    ],
    "convention": [
        ("learner_id", "learner"),
        ("learner_code", "learner_code"),
        ("inscription_id", "inscription"),
        ("sequence_id", "sequence"),
        ("convention_id", "convention"),
        ("convention_code", "convention_code"),
        ("entreprise_id", "entreprise"),
        ("financeur_link_id", "financeur_link"),
    ],
}

EXIT_OK, EXIT_ROWS_FAILED, EXIT_FATAL = 0, 1, 2


@dataclass
class ImportOptions:
    url: str
    user: str | None = None
    password: str | None = None
    api_key: str | None = None
    concurrency: int = 8
    dry_run: bool = False
    journal: Path | None = None
    report: Path | None = None
    timeout: float = 60.0


@dataclass
class ImportOutcome:
    kind: str
    results: list[RowResult] = field(default_factory=list)
    report: Path | None = None
    journal: Path | None = None
    fatal: str | None = None

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.status for r in self.results)

    @property
    def created(self) -> Counter[str]:
        c: Counter[str] = Counter()
        for r in self.results:
            for entity_set, ids in r.created.items():
                c[entity_set] += len(ids)
        return c

    @property
    def exit_code(self) -> int:
        if self.fatal:
            return EXIT_FATAL
        return EXIT_OK if all(r.ok for r in self.results) else EXIT_ROWS_FAILED


class RateColumn(ProgressColumn):
    """Rows per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:5.1f} rows/s" if speed else "  – rows/s", style="progress.data.speed")


def default_report(path: Path, dry_run: bool = False) -> Path:
    """``FILE.report.csv`` beside the file; a dry run writes ``FILE.dry-run.report.csv``, so that checking a
    file never overwrites the report of its last real import."""
    return path.with_name(path.name + (".dry-run.report.csv" if dry_run else ".report.csv"))


async def run_import(
    kind_name: str,
    path: Path,
    options: ImportOptions,
    console: Console | None = None,
    on_row: Callable[[RowResult], None] | None = None,
) -> ImportOutcome:
    """Import every row of ``path`` (``kind_name``: ``dossiers`` or ``conventions``)."""
    kind = KINDS[kind_name]
    console = console or Console(stderr=True)
    outcome = ImportOutcome(kind, report=options.report or default_report(path, options.dry_run))
    try:
        columns, source = read_table(path)
    except (FileError, OSError) as exc:
        outcome.fatal = str(exc)
        return outcome
    outcome.fatal = file_problem(path, kind, columns, source)
    if outcome.fatal:
        return outcome
    parsed = parse_rows(kind, columns, source)
    journal = None
    results: dict[int, RowResult] = {}
    api = AsyncGraphV1Client(
        options.url,
        user=options.user,
        password=options.password,
        api_key=options.api_key,
        timeout=options.timeout,
        connections=connections_for(options.concurrency),
    )
    try:
        resolver = await read_referentials(api, kind, parsed, outcome, results)
        if resolver is None:
            return outcome
        if not options.dry_run:
            outcome.journal = options.journal or Journal.beside(path)
            journal = Journal(outcome.journal)
        rows = RowRuns(api, kind, parsed, resolver, journal, options, columns, results, on_row)
        await rows.run(kind_name, console)
    finally:
        outcome.results = [results[src.number] for src, _ in parsed if src.number in results]
        await api.aclose()
        if journal is not None:
            journal.close()
        write_report(outcome)
    return outcome


def parse_rows(kind: str, columns: list[str], source: list[SourceRow]) -> list[tuple[SourceRow, ParsedRow]]:
    """Every row checked once, before any runs: the parsed row, or what is wrong with it."""
    parse = DossierRow.parse if kind == "dossier" else ConventionRow.parse
    parsed: list[tuple[SourceRow, ParsedRow]] = []
    for src in source:
        try:
            parsed.append((src, parse(src.values, src.number, columns)))
        except RowInvalid as exc:
            parsed.append((src, exc))
    return parsed


def row_key(kind: str, src: SourceRow, row: ParsedRow) -> str:
    """The row's key in the journal and the results, also for a row that does not parse."""
    return row.key if not isinstance(row, Exception) else fallback_key(kind, src.values, src.number)


async def read_referentials(
    api: AsyncGraphV1Client,
    kind: str,
    parsed: list[tuple[SourceRow, ParsedRow]],
    outcome: ImportOutcome,
    results: dict[int, RowResult],
) -> Resolver | None:
    """The referentials (and, for dossiers, the parcours' periods) read once for every row; ``None`` when the
    service cannot give them: the import is then fatal, and every row failed for that reason."""
    resolver = Resolver()
    try:
        await api.run(resolver.load_for(kind))
        if kind == "dossier":
            await api.run(resolver.preload_periods(row for _, row in parsed if isinstance(row, DossierRow)))
    except errors.GraphV1Error as exc:
        reason = exc.reason if isinstance(exc, errors.ODataError) else str(exc)
        outcome.fatal = f"cannot read the referentials from {api.root}: {reason}"
        for src, row in parsed:
            results[src.number] = RowResult(kind, row_key(kind, src, row), src.number, FAILED, reason=outcome.fatal)
        return None
    return resolver


class RowRuns:
    """The rows of one import, side by side: ``concurrency`` at a time, those of one e-mail one after the other
    (they share a learner), each one's result kept in ``results``, shown on the progress bar and given to
    ``on_row``."""

    def __init__(
        self,
        api: AsyncGraphV1Client,
        kind: str,
        parsed: list[tuple[SourceRow, ParsedRow]],
        resolver: Resolver,
        journal: Journal | None,
        options: ImportOptions,
        columns: list[str],
        results: dict[int, RowResult],
        on_row: Callable[[RowResult], None] | None,
    ):
        self.api, self.kind, self.parsed, self.resolver, self.journal = api, kind, parsed, resolver, journal
        self.options, self.columns, self.results, self.on_row = options, columns, results, on_row
        self.semaphore = asyncio.Semaphore(max(1, options.concurrency))
        self.locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.lookups = LearnerLookups(api, parsed, batch=4 * options.concurrency) if kind == "dossier" else None
        self.failed = 0

    async def run(self, kind_name: str, console: Console) -> None:
        progress = import_progress(console)
        verb = "checking" if self.options.dry_run else "importing"
        task = progress.add_task(f"{verb} {kind_name}", total=len(self.parsed), failed=0)
        with progress:
            await asyncio.gather(*(self.one(src, row, progress, task) for src, row in self.parsed))

    async def one(self, src: SourceRow, row: ParsedRow, progress: Progress, task: TaskID) -> None:
        """One row, to its result: an error the workflow does not report (a bug) fails the row, not the import."""
        try:
            result = await self.result(src, row)
        except Exception as exc:
            reason = f"unexpected error: {type(exc).__name__}: {exc}"
            result = RowResult(self.kind, row_key(self.kind, src, row), src.number, FAILED, reason=reason)
        self.results[src.number] = result
        if not result.ok:
            self.failed += 1
        progress.update(task, advance=1, failed=self.failed)
        if self.on_row:
            self.on_row(result)

    async def result(self, src: SourceRow, row: ParsedRow) -> RowResult:
        """The row's workflow.  A row that does not parse runs it on its cells, so that all its problems (its
        unresolved references too) are reported at once; it waits for no other row."""
        resolver, journal, dry_run, number = self.resolver, self.journal, self.options.dry_run, src.number
        if isinstance(row, RowInvalid):
            workflow = dossier_operation if self.kind == "dossier" else convention_operation
            cells = workflow(
                src.values, resolver=resolver, journal=journal, dry_run=dry_run, number=number, columns=self.columns
            )
            return await self.api.run(cells)
        async with self.locks[row.email.strip().lower()], self.semaphore:
            if isinstance(row, DossierRow):
                learners = await self.lookups.learners(row) if self.lookups else None
                op = dossier_operation(
                    row, resolver=resolver, journal=journal, dry_run=dry_run, number=number, learners=learners
                )
            else:
                op = convention_operation(row, resolver=resolver, journal=journal, dry_run=dry_run, number=number)
            return await self.api.run(op)


def import_progress(console: Console) -> Progress:
    """The progress bar of an import: rows done of all, their rate, the time left, how many failed."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[failed]} failed"),
        console=console,
        transient=False,
    )


def file_problem(path: Path, kind: str, columns: list[str], source: list[SourceRow]) -> str | None:
    """What makes the whole file unusable, said once for the file, before any row runs: a required column
    that is absent (every row would fail for it), or no row at all."""
    missing = missing_columns(kind, columns)
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        found = ", ".join(f"'{c}'" for c in columns) or "none"
        return (
            f"{path.name}: missing column{'s' if len(missing) > 1 else ''} {names} (the file's columns: "
            f"{found}; see docs/import.md for the columns of a {kind} file)"
        )
    if not source:
        return f"{path.name}: the file has a header but no rows: nothing to import"
    return None


def connections_for(concurrency: int) -> int:
    """Connections for ``concurrency`` rows: a dossier sends up to four requests at once (its three periods and
    the client's), and one look-up runs ahead of the rows."""
    return 4 * max(1, concurrency) + 1


class LearnerLookups:
    """The learners of the rows' e-mails, looked up a batch of rows at a time (one request for many rows instead of
    one per row), a batch ahead of the rows that need them.

    An e-mail that several rows of the file share is left out: its first row may create the learner that the
    next one must find, so those rows look it up themselves, one after the other, as before."""

    def __init__(self, api: AsyncGraphV1Client, parsed: list[tuple[SourceRow, ParsedRow]], batch: int):
        emails = [row.email for _, row in parsed if not isinstance(row, Exception)]
        seen = Counter(e.strip().lower() for e in emails)
        unique = [e for e in emails if seen[e.strip().lower()] == 1]
        self.api = api
        self.batches = [unique[i : i + batch] for i in range(0, len(unique), batch)]
        self.batch_of = {e: n for n, group in enumerate(self.batches) for e in group}
        self.tasks: dict[int, asyncio.Task[dict[str, list[Entity]] | None]] = {}

    async def learners(self, row: DossierRow) -> list[Entity] | None:
        """The row's learners, or ``None`` when the row must look for itself (a shared e-mail, a failed look-up)."""
        n = self.batch_of.get(row.email)
        if n is None:
            return None
        self._start(n)
        self._start(n + 1)  # the next rows' batch, while this one's rows run
        found = await self.tasks[n]
        return None if found is None else found.get(row.email)

    def _start(self, n: int) -> None:
        if n < len(self.batches) and n not in self.tasks:
            self.tasks[n] = asyncio.ensure_future(self._lookup(self.batches[n]))

    async def _lookup(self, emails: list[str]) -> dict[str, list[Entity]] | None:
        try:
            return await self.api.run(operations.learners_by_emails(emails))
        except errors.GraphV1Error:
            return None  # each row then looks for itself, and reports what goes wrong


def write_report(outcome: ImportOutcome) -> None:
    if outcome.report is None:
        return
    cols = REPORT_COLUMNS[outcome.kind]
    outcome.report.parent.mkdir(parents=True, exist_ok=True)
    with open(outcome.report, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["row", "status", *(c for c, _ in cols), "created", "reason"])
        for r in sorted(outcome.results, key=lambda r: r.number or 0):
            values = []
            for _, k in cols:
                v = r.ids.get(k)
                values.append(" ".join(str(x) for x in v) if isinstance(v, list) else "" if v is None else v)
            created = " ".join(f"{s}×{len(ids)}" if len(ids) > 1 else s for s, ids in r.created.items())
            w.writerow([r.number, r.status, *values, created, r.reason or ""])


def summary(outcome: ImportOutcome, dry_run: bool) -> list[Table]:
    counts = outcome.counts
    rows = Table(title="Rows", show_header=True)
    rows.add_column("status")
    rows.add_column("rows", justify="right")
    statuses = [VALID, FAILED] if dry_run else [CREATED, ALREADY_DONE, FAILED]
    for s in statuses:
        style = "red" if s == FAILED and counts[s] else "green" if s != FAILED else ""
        rows.add_row(Text(s, style=style), str(counts[s]))
    rows.add_row(Text("total", style="bold"), str(len(outcome.results)))
    tables = [rows]
    if not dry_run:
        created = Table(title="Created objects", show_header=True)
        created.add_column("entity set")
        created.add_column("created", justify="right")
        for entity_set, n in sorted(outcome.created.items()):
            created.add_row(entity_set, str(n))
        if not outcome.created:
            created.add_row("(none)", "0")
        tables.append(created)
    failures = [r for r in outcome.results if not r.ok]
    if failures and not outcome.fatal:
        shown = Table(title=f"Failed rows ({len(failures)})", show_header=True)
        shown.add_column("row", justify="right")
        shown.add_column("reason")
        for r in failures[:20]:
            shown.add_row(str(r.number), r.reason or "")
        if len(failures) > 20:
            shown.add_row("…", f"{len(failures) - 20} more in the report")
        tables.append(shown)
    return tables
