"""``scolarite import dossiers|conventions FILE``: the importer (:mod:`scolarite.client.importer`) on the command
line.  The two commands take the same options; only what they create differs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import typer

from .cli_common import command_group, console, errors, fail

import_app = command_group(
    "Import dossiers or conventions from a .csv or .xlsx file, through the GraphV1 API "
    "of any server (see docs/import.md)."
)

FILE_HELP = (
    "A .csv file (UTF-8, else read as Windows-1252; columns separated by commas, semicolons or tabs) "
    "or an .xlsx file (its first sheet)."
)

FileArgument = typer.Argument(..., exists=True, dir_okay=False, metavar="FILE", help=FILE_HELP)
UrlOption = typer.Option(
    None,
    "--url",
    envvar="SCOLARITE_URL",
    metavar="URL",
    show_default=False,
    help="The service root, e.g. http://127.0.0.1:8000/GraphV1/ (required).",
)
UserOption = typer.Option(
    None,
    "--user",
    envvar="SCOLARITE_USER",
    metavar="LOGIN",
    show_default=False,
    help="HTTP Basic login (or give --api-key).",
)
PasswordOption = typer.Option(
    None,
    "--password",
    envvar="SCOLARITE_PASSWORD",
    metavar="PASSWORD",
    show_default=False,
    help="HTTP Basic password. Default: asked, not echoed.",
)
ApiKeyOption = typer.Option(
    None,
    "--api-key",
    envvar="SCOLARITE_API_KEY",
    metavar="KEY",
    show_default=False,
    help="Send this X-ApiKey instead of a login (it wins over one).",
)
ConcurrencyOption = typer.Option(
    8, "--concurrency", "-j", metavar="N", min=1, max=64, help="Rows imported at once (1 to 64)."
)
DryRunOption = typer.Option(
    False,
    "--dry-run",
    help="Check every row and resolve every reference with GET requests only; "
    "write nothing, on the server or in the journal. Default: off.",
)
JournalOption = typer.Option(
    None,
    "--journal",
    dir_okay=False,
    metavar="PATH",
    show_default=False,
    help="The journal that makes re-runs resume. Default: FILE.journal.sqlite, beside FILE.",
)
ReportOption = typer.Option(
    None,
    "--report",
    dir_okay=False,
    metavar="PATH",
    show_default=False,
    help="The report, one line per row. Default: FILE.report.csv "
    "(FILE.dry-run.report.csv with --dry-run), beside FILE.",
)


def _run_import(
    kind: str,
    file: Path,
    url: str | None,
    user: str | None,
    password: str | None,
    api_key: str | None,
    concurrency: int,
    dry_run: bool,
    journal: Path | None,
    report: Path | None,
) -> None:
    from scolarite.client.importer import EXIT_FATAL, ImportOptions, run_import, summary

    if not url:
        fail("Give the service URL: --url or SCOLARITE_URL (e.g. http://127.0.0.1:8000/GraphV1/).", EXIT_FATAL)
    if not api_key and not user:
        fail(
            "Give credentials: --user/--password or --api-key (or SCOLARITE_USER, SCOLARITE_PASSWORD, "
            "SCOLARITE_API_KEY).",
            EXIT_FATAL,
        )
    if user and password is None and not api_key:
        password = typer.prompt("Password", hide_input=True)
    options = ImportOptions(
        url=url,
        user=user,
        password=password,
        api_key=api_key,
        concurrency=concurrency,
        dry_run=dry_run,
        journal=journal,
        report=report,
    )
    outcome = asyncio.run(run_import(kind, file, options))
    if outcome.fatal:
        errors.print(outcome.fatal, style="red", markup=False)
    if outcome.results or not outcome.fatal:  # a file that is unusable as a whole has no rows to sum up
        for table in summary(outcome, dry_run):
            console.print(table)
    if outcome.results:
        console.print(f"Report: {outcome.report}", markup=False)
    if outcome.journal:
        console.print(f"Journal: {outcome.journal}", markup=False)
    raise typer.Exit(outcome.exit_code)


def _import_command(kind: str, summary_text: str) -> Callable[..., None]:
    def command(
        file: Path = FileArgument,
        url: str | None = UrlOption,
        user: str | None = UserOption,
        password: str | None = PasswordOption,
        api_key: str | None = ApiKeyOption,
        concurrency: int = ConcurrencyOption,
        dry_run: bool = DryRunOption,
        journal: Path | None = JournalOption,
        report: Path | None = ReportOption,
    ) -> None:
        _run_import(kind, file, url, user, password, api_key, concurrency, dry_run, journal, report)

    command.__doc__ = summary_text
    return command


import_app.command("dossiers", short_help="Import dossiers d'inscription.")(
    _import_command(
        "dossiers", "Create the dossier d'inscription of each row (e-mail, learner, inscription, periods, client)."
    )
)
import_app.command("conventions", short_help="Import conventions.")(
    _import_command("conventions", "Create the convention of each row (convention, entreprise, organisme financeur).")
)
